import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../../core/log.ts';
import { ForesightError } from '../../../core/errors.ts';
import { KafkaHealth, untilDelivered, waitForTopics } from '../../../ingest/sources/kafka/health.ts';
import { chunkRecords, toRecord } from '../../../ingest/deadletter/kafka.ts';
import type { DeadLetter } from '../../../ingest/types.ts';

function capture(): { log: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string }> } {
  const out: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _e, cb) { out.push(chunk.toString()); cb(); } });
  const log = createLogger({ level: 'debug', pretty: false, destination });
  return { log, lines: () => out.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

const letter = (raw: string, i = 0): DeadLetter => ({
  reason: 'not_json', detail: 'Unexpected token', raw, rawBytes: Buffer.byteLength(raw), truncated: false,
  position: { kind: 'kafka', topic: 'logs', partition: 0, offset: String(i) }, at: Date.UTC(2026, 0, 1),
});

test('a dead letter larger than the topic limit keeps a prefix of its payload, with truncated, length and SHA-256 headers', () => {
  const raw = 'é'.repeat(1_000_000) + 'x'; // 2,000,001 bytes
  const r = toRecord(letter(raw), 1_000_000);
  assert.ok(r.bytes <= 1_000_000 - 512, `record ${r.bytes} bytes`);
  assert.ok(r.message.value.length > 900_000, 'as much of the payload as fits');
  assert.equal(r.message.headers['foresight.truncated'], 'true');
  assert.equal(r.message.headers['foresight.raw.bytes'], '2000001');
  assert.equal(r.message.headers['foresight.raw.sha256'], createHash('sha256').update(raw, 'utf8').digest('hex'));
  // Cut on a character boundary: the prefix is valid UTF-8.
  assert.equal(Buffer.from(r.message.value.toString('utf8'), 'utf8').length, r.message.value.length);
  const small = toRecord(letter('{"oops"'), 1_000_000);
  assert.equal(small.message.headers['foresight.truncated'], 'false');
  assert.equal(small.message.headers['foresight.raw.sha256'], undefined);
  assert.equal(small.message.value.toString(), '{"oops"');
});

test('10,000 dead letters go out in requests under the limit, one record per letter, in order', () => {
  const letters = Array.from({ length: 10_000 }, (_, i) => letter(`not json ${'x'.repeat(500)} ${i}`, i));
  const records = letters.map((l) => toRecord(l, 1_000_000));
  const chunks = chunkRecords(records, 1_000_000);
  assert.ok(chunks.length >= 6, `${chunks.length} requests`);
  for (const c of chunks) assert.ok(c.reduce((n, r) => n + r.bytes, 512) <= 1_000_000);
  const flat = chunks.flat();
  assert.equal(flat.length, 10_000);
  assert.deepEqual(flat.map((r) => r.message.headers['foresight.source.offset']), letters.map((_, i) => String(i)));
});

test('an unreachable Kafka is retried until it answers: unready meanwhile, one log line when it goes and one when it returns', async () => {
  const { log, lines } = capture();
  const health = new KafkaHealth({ maxOutageMs: 0, log });
  health.started();
  assert.equal(health.ready(), true);
  let calls = 0;
  const seen: boolean[] = [];
  const out = await untilDelivered(health, 'commit', async () => {
    calls++;
    seen.push(health.ready());
    if (calls < 5) throw new Error('Connection error: connect ECONNREFUSED');
    return 'committed';
  }, { initialMs: 1, maxMs: 2 });
  assert.equal(out, 'committed');
  assert.deepEqual(seen, [true, false, false, false, false], 'unready from the first failure on');
  assert.equal(health.ready(), true);
  const msgs = lines().map((l) => l.msg);
  assert.deepEqual(msgs, ['Kafka unreachable: waiting it out (retrying with backoff, committing nothing, /readyz 503)', 'Kafka reachable again']);
  assert.equal(health.outages, 1);
});

test('several paths down at once are one outage; ready again only when all are back', () => {
  const { log, lines } = capture();
  const health = new KafkaHealth({ maxOutageMs: 0, log });
  health.started();
  health.markDown('fetch', new Error('a'));
  health.markDown('commit', new Error('b'));
  health.markUp('fetch');
  assert.equal(health.ready(), false);
  health.markUp('commit');
  assert.equal(health.ready(), true);
  assert.equal(lines().length, 2);
});

test('source.kafka.maxOutageMs: a wait that outlasts it ends with KAFKA_OUTAGE; 0 never gives up', async () => {
  const health = new KafkaHealth({ maxOutageMs: 30 });
  let gaveUp: ForesightError | undefined;
  health.onGiveUp((e) => { gaveUp = e; });
  await assert.rejects(
    untilDelivered(health, 'deadletter', async () => { throw new Error('broker down'); }, { initialMs: 1, maxMs: 5 }),
    (e: unknown) => e instanceof ForesightError && e.code === 'KAFKA_OUTAGE',
  );
  assert.equal(gaveUp?.code, 'KAFKA_OUTAGE');
});

test('stop() ends a wait on an unreachable Kafka (shutdown during an outage)', async () => {
  const health = new KafkaHealth({ maxOutageMs: 0 });
  const p = untilDelivered(health, 'commit', async () => { throw new Error('broker down'); }, { initialMs: 1, maxMs: 5 });
  setTimeout(() => health.stop(), 20);
  await assert.rejects(p, (e: unknown) => e instanceof ForesightError && e.code === 'SOURCE_FAILED');
});

test('a missing source topic is waited for with one log line and /readyz unready; a replay fails at once', async () => {
  const { log, lines } = capture();
  const health = new KafkaHealth({ maxOutageMs: 0, log });
  let calls = 0;
  const readiness: boolean[] = [];
  await waitForTopics(health, async () => {
    calls++;
    readiness.push(health.ready());
    return calls < 4 ? ['other'] : ['other', 'foresight-logs'];
  }, ['foresight-logs'], { everyMs: 1, wait: true });
  assert.equal(calls, 4);
  assert.ok(readiness.every((r) => !r));
  const msgs = lines().map((l) => l.msg);
  assert.deepEqual(msgs, ['waiting for topic foresight-logs', 'topic foresight-logs is there: starting']);
  await assert.rejects(waitForTopics(new KafkaHealth({ maxOutageMs: 0 }), async () => [], ['gone'], { everyMs: 1, wait: false }), /topic gone does not exist/);
});
