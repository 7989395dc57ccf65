import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RigEndpoints } from '../../scripts/rig/index.ts';
import { DEAD_LETTER_HEADERS } from '../../ingest/deadletter/kafka.ts';
import { committedOffset, Daemon, ensureRig, kafkaClient, produce, tempDir, topicScope, writeDaemonConfig } from './support/stack.ts';

// Issue #10 item 1 on real Kafka: a latency of "1" and 400 zeros used to crash the daemon on
// every restart, its offset never committed. Now it is a dead letter, the daemon goes on,
// and the committed offset moves past it. A line dated 2199 beside it (item 2) must not
// make the lines after it too_late.

let rig: RigEndpoints;
const scope = topicScope();
const { topic, group, prefix } = scope.names('hostile');

before(async () => { rig = await ensureRig(); }, { timeout: 300_000 });
after(async () => { if (rig) await scope.drop(rig); });

test('a poison line on the topic is dead-lettered, the daemon keeps consuming and commits past it', { timeout: 120_000 }, async () => {
  const dir = tempDir('hostile');
  const file = join(dir, 'poison.ndjson');
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  // Ten minutes of event time, so windows close and offsets get committed.
  const good = Array.from({ length: 300 }, (_, i) => JSON.stringify({ timestamp: at(i * 2), service: 'orders', level: 'info', message: `GET /api/orders/${i} completed in 20 ms`, latency_ms: 20 }));
  const poison = [
    { text: JSON.stringify({ timestamp: at(20), service: 'orders', message: 'poison', latency_ms: `1${'0'.repeat(400)}` }), reason: 'bad_field_type' },
    { text: JSON.stringify({ timestamp: '2199-06-01T00:00:00Z', service: 'orders', message: 'from the future', latency_ms: 20 }), reason: 'timestamp_out_of_range' },
  ];
  const lines = [...good.slice(0, 10), ...poison.map((p) => p.text), ...good.slice(10)];
  writeFileSync(file, lines.join('\n') + '\n');
  await produce(rig, topic, file);

  // Small batches: a batch is acknowledged once every window it fed has closed.
  const setup = writeDaemonConfig({ rig, topic, group, prefix, batchSize: 50 });
  const daemon = new Daemon(setup);
  try {
    const s = await daemon.until('every line handled', (x) => x.lines === lines.length && x.deadLetters === poison.length);
    assert.deepEqual(s.deadLettersByReason, { bad_field_type: 1, timestamp_out_of_range: 1 });
    const deadline = Date.now() + 30_000;
    let committed = 0;
    while ((committed = await committedOffset(rig, group, topic)) <= 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    assert.ok(committed > 11, `committed offset ${committed} is past offsets 10 and 11`);
  } finally {
    assert.equal(await daemon.stop(), 0, daemon.stderr.slice(-2000));
  }
  assert.doesNotMatch(daemon.stderr, /RangeError|Invalid array length/);

  const consumer = kafkaClient(rig).consumer({ groupId: `${topic}-reader` });
  const got: Array<Record<string, string>> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])));
          if (got.length === poison.length) resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(got.map((h) => [h[DEAD_LETTER_HEADERS.reason], h[DEAD_LETTER_HEADERS.offset]]), [['bad_field_type', '10'], ['timestamp_out_of_range', '11']]);
});
