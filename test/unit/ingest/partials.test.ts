import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import assert from 'node:assert/strict';
import { WindowAggregator, type WindowOptions } from '../../../ingest/window/aggregator.ts';
import { emptyPoint, type WindowPartial } from '../../../ingest/window/accumulator.ts';
import { decodeRecord, encodeRecord, shardOf } from '../../../ingest/partials/records.ts';
import { TemplateAliases } from '../../../ingest/partials/aliases.ts';
import type { LogEvent } from '../../../ingest/types.ts';
import { createRng } from '../../../ingest/sources/simulator/rng.ts';
import { event } from './helpers.ts';

// Stage one (one aggregator per source partition, publishing the windows each batch
// touched, open ones included) and stage two (latest partial per source partition, merged
// when every source partition's watermark passed the window) must give exactly the points
// one aggregator fed every event gives.

const W = 60_000;
const opts: WindowOptions = { windowMs: W, allowedLatenessMs: 30_000, idleWindows: 2, topTemplates: 3, maxWindowTemplates: 5, sketchAccuracy: 0.01 };
const SOURCES = ['t:0', 't:1', 't:2'];

function stream(n: number): Array<{ e: LogEvent; source: string }> {
  const rng = createRng(5);
  const out: Array<{ e: LogEvent; source: string }> = [];
  for (let i = 0; i < n; i++) {
    const ts = i * 700 + Math.floor(rng.next() * 20_000);
    const service = ['checkout', 'orders', 'payments'][i % 3]!;
    const level = rng.next() < 0.1 ? 'error' : 'info';
    const e = event({ ts, service, level, latencyMs: rng.next() < 0.05 ? 0 : Math.round(5 + rng.next() * 400), message: `req ${i % 4}`, template: { id: `T${i % 4}`, text: 'req <*>' } });
    out.push({ e, source: SOURCES[Math.floor(rng.next() * SOURCES.length)]! });
  }
  // Per source partition, events stay within the allowed lateness of each other's order.
  return out.sort((a, b) => a.e.ts - b.e.ts);
}

test('partials published per batch (open windows included) and merged latest-per-source give the single aggregator\'s points', () => {
  const events = stream(3000);
  const single = new WindowAggregator(opts);
  single.assign(SOURCES.map((key) => ({ key, idle: false })));
  const expected = [];
  for (const { e, source } of events) { assert.equal(single.add(e, source), 'ok'); }
  expected.push(...single.collect(), ...single.flush());

  const stageOne = new Map(SOURCES.map((s) => [s, new WindowAggregator({ ...opts, publishPartials: true })]));
  const stageTwo = new WindowAggregator(opts);
  stageTwo.assign(SOURCES.map((key) => ({ key, idle: false })));
  const got = [];
  for (let i = 0; i < events.length; i += 97) {
    const touched = new Set<string>();
    for (const { e, source } of events.slice(i, i + 97)) { assert.equal(stageOne.get(source)!.add(e, source), 'ok'); touched.add(source); }
    // Through the wire format, as on the partials topic.
    for (const source of touched) {
      const agg = stageOne.get(source)!;
      for (const partial of agg.drainPartials()) {
        const r = decodeRecord(encodeRecord({ kind: 'partial', source, partial }));
        assert.equal(r?.kind, 'partial');
        assert.notEqual(stageTwo.offer(source, (r as { partial: WindowPartial }).partial), 'too_late');
      }
      stageTwo.mark(source, agg.watermarks.maxEventTime, false);
    }
    got.push(...stageTwo.collect());
  }
  got.push(...stageTwo.flush());
  assert.ok(expected.length > 100);
  assert.deepEqual(got, expected);
});

test('an older, smaller partial of the same source partition does not replace a larger one (a new owner re-reading)', () => {
  const one = new WindowAggregator({ ...opts, publishPartials: true });
  one.add(event({ ts: 1000 }), 't:0');
  const small = one.drainPartials()[0]!;
  one.add(event({ ts: 2000, latencyMs: 10 }), 't:0');
  const big = one.drainPartials()[0]!;
  const two = new WindowAggregator(opts);
  two.assign([{ key: 't:0', idle: false }]);
  assert.equal(two.offer('t:0', big), 'ok');
  assert.equal(two.offer('t:0', small), 'stale');
  assert.equal(two.offer('t:0', big), 'ok', 'the same partial again replaces, it does not add');
  two.mark('t:0', 200_000, false);
  two.mark('t:0', 50_000, false); // watermark records never move a partition back
  const [p] = two.collect();
  assert.equal(p?.count, 2);
  assert.equal(p?.latency?.max, 10);
  assert.equal(two.offer('t:0', big), 'stale', 'after the close, a re-publication of what was merged');
  one.add(event({ ts: 3000 }), 't:0');
  assert.equal(two.offer('t:0', one.drainPartials()[0]!), 'too_late', 'one with more events than were merged');
});

test('stage two holds windows until every source partition has been heard from or is idle', () => {
  const two = new WindowAggregator(opts);
  two.assign(SOURCES.map((key) => ({ key, idle: false })));
  const one = new WindowAggregator({ ...opts, publishPartials: true });
  one.add(event({ ts: 1000 }), 't:0');
  two.offer('t:0', one.drainPartials()[0]!);
  two.mark('t:0', 10 * W, false);
  two.mark('t:1', 10 * W, false);
  assert.deepEqual(two.collect(), [], 't:2 not heard from yet');
  two.mark('t:2', -Infinity, true);
  assert.equal(two.collect()[0]?.count, 1);
});

test('a watermark record and, in the same batch, a larger partial of a window it passed: the window is open until collect, so the partial counts', () => {
  const one = new WindowAggregator({ ...opts, publishPartials: true });
  one.add(event({ ts: 1000 }), 't:0');
  const small = one.drainPartials()[0]!;
  one.add(event({ ts: 2000 }), 't:0');
  const big = one.drainPartials()[0]!;
  const two = new WindowAggregator(opts);
  two.assign([{ key: 't:0', idle: false }]);
  assert.equal(two.offer('t:0', small), 'ok');
  two.mark('t:0', 200_000, false);
  assert.equal(two.offer('t:0', big), 'ok', 'passed by the watermark, not yet closed');
  assert.equal(two.collect()[0]?.count, 2);
  assert.equal(two.offer('t:0', big), 'stale');
});

test('stage two: an idle source partition is checked against the log end before windows close past it; unread records hold them back', () => {
  const two = new WindowAggregator(opts);
  two.assign(SOURCES.map((key) => ({ key, idle: false })));
  const one = new WindowAggregator({ ...opts, publishPartials: true });
  one.add(event({ ts: 1000 }), 't:0');
  two.offer('t:0', one.drainPartials()[0]!);
  two.mark('t:0', 10 * W, false);
  two.mark('t:1', 10 * W, false);
  // t:2's reader called it idle at offset 40, with its own watermark at 30 s.
  two.mark('t:2', 60_000, true, '40');
  assert.deepEqual(two.idleToVerify(), [{ source: 't:2', next: '40' }], 'windows past t:2\'s own watermark would close');
  two.wake('t:2'); // the log end was 41: a record written, not fetched yet
  assert.deepEqual(two.idleToVerify(), []);
  assert.deepEqual(two.collect(), [], 't:2 holds the windows back again');
  two.mark('t:2', 60_000, true, '41'); // its reader fetched it (a record for a closed window of its own) and is idle again
  assert.deepEqual(two.idleToVerify(), [{ source: 't:2', next: '41' }]);
  assert.equal(two.collect()[0]?.count, 1, 'confirmed idle (not woken): the windows close');
  assert.deepEqual(two.idleToVerify(), [], 'nothing more would close');
  assert.deepEqual(decodeRecord(encodeRecord({ kind: 'watermark', source: 't:2', maxTs: 60_000, idle: true, next: '41' })), { kind: 'watermark', source: 't:2', maxTs: 60_000, idle: true, next: '41' });
  assert.equal(decodeRecord('{"v":1,"kind":"watermark","source":"a","maxTs":1,"idle":true,"next":"-1"}'), undefined);
});

test('records: unknown versions and shapes are refused; services map to partitions stably', () => {
  assert.equal(decodeRecord('{"v":2,"kind":"watermark","source":"a","maxTs":1,"idle":false}'), undefined);
  assert.equal(decodeRecord('not json'), undefined);
  assert.equal(decodeRecord('{"v":1,"kind":"partial","source":"a","partial":{"service":"x"}}'), undefined);
  assert.deepEqual(decodeRecord(encodeRecord({ kind: 'watermark', source: 'a:1', maxTs: null, idle: true })), { kind: 'watermark', source: 'a:1', maxTs: null, idle: true });
  assert.equal(shardOf('checkout', 6), shardOf('checkout', 6));
  assert.ok(new Set(['checkout', 'orders', 'payments', 'search', 'cart', 'auth'].map((s) => shardOf(s, 6))).size >= 3);
});

test('source.kafka.partials: auto turns two stages on for more than one source partition, on forces them, off and one partition keep one process', async () => {
  const { setUpStreams } = await import('../../../ingest/partials/setup.ts');
  const { kafkaSourceConfigSchema } = await import('../../../ingest/sources/kafka/config.ts');
  const { KafkaHealth } = await import('../../../ingest/sources/kafka/health.ts');
  const { createLogger } = await import('../../../core/log.ts');
  const created: string[] = [];
  const fake = (partitions: Record<string, number>) => ({
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => Object.keys(partitions),
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
        topics: (topics.length ? topics : Object.keys(partitions)).filter((t) => t in partitions).map((name) => ({ name, partitions: Array.from({ length: partitions[name]! }, (_, i) => ({ partitionId: i })) })),
      }),
      createTopics: async ({ topics }: { topics: Array<{ topic: string; numPartitions: number }> }) => { for (const t of topics) created.push(`${t.topic}/${t.numPartitions}`); return true; },
    }),
    producer: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
  }) as unknown as Kafka;
  const log = createLogger({ level: 'silent' });
  const health = new KafkaHealth({ maxOutageMs: 0 });
  const cfg = (partials: string) => kafkaSourceConfigSchema.parse({ topics: ['logs'], groupId: 'g', partials });
  assert.equal(await setUpStreams(cfg('auto'), fake({ logs: 1 }), health, log), undefined);
  assert.equal(await setUpStreams(cfg('off'), fake({ logs: 6 }), health, log), undefined);
  assert.equal(await setUpStreams(cfg('auto'), fake({}), health, log), undefined, 'a missing topic (waited for by the source): one process');
  await assert.rejects(setUpStreams(cfg('on'), fake({}), health, log), /does not exist yet/);
  const six = await setUpStreams(cfg('auto'), fake({ logs: 6 }), health, log);
  assert.equal(six?.topic, 'g-partials');
  assert.equal(six?.sources.length, 6);
  const one = await setUpStreams(cfg('on'), fake({ logs: 1 }), health, log);
  assert.equal(one?.partitions, 1);
  assert.deepEqual(created, ['g-partials/6', 'g-partials/1']);
  await assert.rejects(setUpStreams(cfg('auto'), fake({ logs: 6, 'g-partials': 4 }), health, log), /has 4 partitions, the source 6/);
});

test('merge records round-trip; malformed ones are refused', () => {
  const merge = { kind: 'merge' as const, source: 't:0', ids: ['ta', 'tb'], into: { id: 'tc', text: 'Loading <*>' } };
  assert.deepEqual(decodeRecord(encodeRecord(merge)), merge);
  assert.equal(decodeRecord('{"v":1,"kind":"merge","source":"t:0","ids":[],"into":{"id":"tc","text":"x"}}'), undefined, 'no ids');
  assert.equal(decodeRecord('{"v":1,"kind":"merge","source":"t:0","ids":[1],"into":{"id":"tc","text":"x"}}'), undefined, 'an id that is not a string');
  assert.equal(decodeRecord('{"v":1,"kind":"merge","source":"t:0","ids":["a"],"into":{"id":"tc"}}'), undefined, 'a survivor without text');
});

test('template aliases: folded ids read as their survivor, chains follow, an instance that has not merged joins the survivor\'s counts', () => {
  const a = new TemplateAliases();
  const hive = (id: string, count: number) => ({ id, text: `hive ${id}`, count, warn: count, samples: [`line of ${id}`] });
  const point = { ...emptyPoint('agent', 0, 60_000), count: 9, templates: [hive('tsoft', 4), hive('tsys', 3), hive('tother', 2)] };
  assert.equal(a.point(point, 5), point, 'nothing folded: the same point');
  a.learn({ ids: ['tsys'], into: { id: 'tsoft', text: 'hive <*>' } });
  a.learn({ ids: ['tsys'], into: { id: 'tsoft', text: 'hive <*>' } }); // another instance's record of the same merge
  assert.equal(a.size, 1);
  const got = a.point(point, 1);
  assert.deepEqual(got.templates?.map((t) => [t.id, t.text, t.count, t.warn]), [['tsoft', 'hive <*>', 7, 7], ['tother', 'hive tother', 2, 2]]);
  assert.deepEqual(got.topTemplates, [{ id: 'tsoft', text: 'hive <*>', count: 7 }]);
  // The survivor is folded in turn: what was folded into it follows.
  a.learn({ ids: ['tsoft'], into: { id: 'tall', text: 'hive <*> all' } });
  assert.deepEqual(a.resolve('tsys'), { id: 'tall', text: 'hive <*> all' });
  assert.deepEqual(a.point(point, 5).templates?.map((t) => [t.id, t.count]), [['tall', 7], ['tother', 2]]);
  const small = new TemplateAliases(2);
  for (const id of ['x1', 'x2', 'x3']) small.learn({ ids: [id], into: { id: 'y', text: 'y' } });
  assert.equal(small.size, 2);
  assert.equal(small.resolve('x1'), undefined, 'bounded: the oldest alias goes first');
});
