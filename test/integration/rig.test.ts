import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from '@elastic/elasticsearch';
import { rigUp, type RigEndpoints } from '../../scripts/rig/index.ts';

// The rig is shared by every integration test and left running: `npm run rig -- down`
// stops it. rigUp is a no-op when it already runs, so this file also works alone.
let rig: RigEndpoints;

before(async () => {
  rig = await rigUp({ log: (line) => console.error(`[rig] ${line}`) });
}, { timeout: 300_000 });

test('kafka: produce then consume one message on a fresh topic', { timeout: 60_000 }, async () => {
  const kafka = new Kafka({ clientId: 'rig-test', brokers: rig.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topic = `rig-test-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `rig-test-${randomUUID()}` });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    const value = `hello ${randomUUID()}`;
    await producer.send({ topic, messages: [{ key: 'k', value }] });

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') })
        .catch(reject);
    });
    assert.equal(received, value);
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
});

test('elasticsearch: index then get one document in a fresh index', { timeout: 60_000 }, async () => {
  const es = new Client({ node: rig.elasticsearchUrl });
  const index = `rig-test-${randomUUID()}`;
  try {
    const doc = { message: 'disk usage above threshold', level: 'warn', at: new Date().toISOString() };
    const put = await es.index({ index, id: '1', document: doc, refresh: true });
    assert.equal(put.result, 'created');
    const got = await es.get<typeof doc>({ index, id: '1' });
    assert.deepEqual(got._source, doc);
  } finally {
    await es.indices.delete({ index }, { ignore: [404] }).catch(() => {});
    await es.close();
  }
});
