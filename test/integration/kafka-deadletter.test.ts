import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RigEndpoints } from '../../scripts/rig/index.ts';
import { DEAD_LETTER_HEADERS } from '../../ingest/deadletter/kafka.ts';
import { Daemon, ensureRig, kafkaClient, produce, runCli, tempDir, topicScope, uniqueName, writeDaemonConfig } from './support/stack.ts';

let rig: RigEndpoints;
const scope = topicScope();
const { topic, group, prefix } = scope.names('dlq');

before(async () => { rig = await ensureRig(); }, { timeout: 300_000 });
after(async () => { if (rig) await scope.drop(rig); });

test('malformed Kafka messages end in the dead-letter topic with reason and source position headers', { timeout: 90_000 }, async () => {
  const dir = tempDir('dlq');
  const file = join(dir, 'mixed.ndjson');
  const good = Array.from({ length: 50 }, (_, i) => JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), service: 'orders', level: 'info', message: `GET /api/orders/${i} completed in 20 ms`, latency_ms: 20 }));
  const bad = [
    { text: 'this is not json', reason: 'not_json' },
    { text: '["an","array"]', reason: 'not_object' },
    { text: '{"timestamp":"2026-01-01T00:01:00Z","message":"who am I"}', reason: 'no_service' },
    { text: '{"service":"orders","message":"when?"}', reason: 'no_timestamp' },
  ];
  // Bad lines among good ones, so their offsets are known: good[0..9], bad, good[10..]
  const lines = [...good.slice(0, 10), ...bad.map((b) => b.text), ...good.slice(10)];
  writeFileSync(file, lines.join('\n') + '\n');
  await produce(rig, topic, file);

  const setup = writeDaemonConfig({ rig, topic, group, prefix });
  const daemon = new Daemon(setup);
  try {
    await daemon.until('the bad lines dead-lettered', (s) => s.deadLetters === bad.length && s.lines === lines.length);
  } finally {
    assert.equal(await daemon.stop(), 0, daemon.stderr.slice(-2000));
  }

  const consumer = kafkaClient(rig).consumer({ groupId: `${topic}-reader` });
  const got: Array<{ value: string; headers: Record<string, string> }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          got.push({ value: message.value?.toString('utf8') ?? '', headers });
          if (got.length === bad.length) resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(got.map((g) => g.value), bad.map((b) => b.text), 'raw bytes as the value, in order');
  got.forEach((g, i) => {
    assert.equal(g.headers[DEAD_LETTER_HEADERS.reason], bad[i]!.reason);
    assert.equal(g.headers[DEAD_LETTER_HEADERS.topic], topic);
    assert.equal(g.headers[DEAD_LETTER_HEADERS.partition], '0');
    assert.equal(g.headers[DEAD_LETTER_HEADERS.offset], String(10 + i));
    assert.ok((g.headers[DEAD_LETTER_HEADERS.detail] ?? '').length > 0);
  });
});

test('foresight doctor --json reports the native TensorFlow backend and the rig\'s Kafka and Elasticsearch, and a missing source topic as a failure', { timeout: 60_000 }, async () => {
  // Two source topics: the one the test above created, and one that does not exist.
  const missing = uniqueName('missing');
  const r = await runCli(['doctor', '--json'], { cwd: tempDir('doctor'), env: { KAFKA_BROKERS: rig.kafkaBrokers.join(','), ELASTICSEARCH_URL: rig.elasticsearchUrl, FORESIGHT_HTTP__PORT: '0', FORESIGHT_SOURCE__KAFKA__TOPICS: `[${topic}, ${missing}]` } });
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    ok: boolean; tensorflow: { backend: string; native: boolean }; kafka: { ok: boolean; nodes: number; topics: Record<string, boolean>; error?: string }; elasticsearch: { ok: boolean; version: string };
  };
  assert.equal(report.tensorflow.backend, 'tensorflow');
  assert.equal(report.tensorflow.native, true);
  assert.equal(report.kafka.nodes, 1);
  assert.deepEqual(report.kafka.topics, { [topic]: true, [missing]: false });
  assert.equal(report.kafka.ok, false, 'a missing source topic fails the Kafka check');
  assert.match(report.kafka.error ?? '', new RegExp(`topic ${missing} does not exist`));
  assert.equal(r.code, 1, r.stdout);
  assert.equal(report.elasticsearch.ok, true);
  assert.match(report.elasticsearch.version, /^8\.19\./);
});
