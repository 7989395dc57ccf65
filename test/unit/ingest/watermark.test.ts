import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionWatermarks, partitionKey } from '../../../ingest/window/watermark.ts';
import { WindowAggregator, type WindowOptions } from '../../../ingest/window/aggregator.ts';
import { PartitionTracker, workedElsewhere } from '../../../ingest/sources/kafka/partitions.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { event } from './helpers.ts';

const W = 60_000;
const brief = (ps: MetricPoint[]) => ps.map((p) => `${p.service}@${p.windowStart / W}:${p.count}`);

test('the instance watermark is the minimum over active partitions, each its own max minus lateness', () => {
  const m = new PartitionWatermarks(10_000);
  assert.equal(m.current, -Infinity);
  m.observe('t:0', 100_000);
  m.observe('t:1', 40_000);
  assert.equal(m.current, 30_000);
  assert.equal(m.of('t:0'), 90_000);
  assert.equal(m.maxEventTime, 100_000);
  m.observe('t:1', 20_000); // out of order inside t:1: its watermark does not go back
  assert.equal(m.of('t:1'), 30_000);
});

test('an assigned partition without data holds the watermark back until it delivers or goes idle; revoked ones drop out', () => {
  const m = new PartitionWatermarks(0);
  m.observe('t:0', 100_000);
  m.assign([{ key: 't:0', idle: false }, { key: 't:1', idle: false }]);
  assert.equal(m.current, -Infinity);
  m.assign([{ key: 't:0', idle: false }, { key: 't:1', idle: true }]);
  assert.equal(m.current, 100_000);
  m.observe('t:1', 50_000); // data: active again, and it is behind
  assert.equal(m.current, 50_000);
  m.assign([{ key: 't:0', idle: false }]);
  assert.equal(m.current, 100_000);
  assert.deepEqual(m.size, { partitions: 1, idle: 0 });
});

test('when every partition is idle the furthest one rules: nothing is pending anywhere', () => {
  const m = new PartitionWatermarks(0);
  m.observe('a', 10);
  m.observe('b', 20);
  m.assign([{ key: 'a', idle: true }, { key: 'b', idle: true }]);
  assert.equal(m.current, 20);
});

test('partition keys: Kafka topic and partition, otherwise the source kind', () => {
  assert.equal(partitionKey({ kind: 'kafka', topic: 'logs', partition: 3, offset: '9' }), 'logs:3');
  assert.equal(partitionKey({ kind: 'file', file: 'x', line: 1 }), 'file');
});

const opts: WindowOptions = { windowMs: W, allowedLatenessMs: 30_000, idleWindows: 0, topTemplates: 0, sketchAccuracy: 0.01 };

test('a lagging partition makes nobody late: windows wait for it, then close with its events in', () => {
  const a = new WindowAggregator(opts);
  a.assign([{ key: 'p0', idle: false }, { key: 'p1', idle: false }]);
  // Partition p0 runs ten minutes ahead of p1 (fetched first, say).
  for (let m = 0; m < 10; m++) a.add(event({ ts: m * W + 1000, service: 'api' }), 'p0');
  assert.deepEqual(a.collect(), [], 'p0\'s watermark is 8.5 min, but p1 has not spoken');
  assert.equal(a.watermark, -Infinity);
  assert.equal(a.add(event({ ts: 1000, service: 'api' }), 'p1'), 'ok');
  assert.equal(a.add(event({ ts: 2 * W + 5000, service: 'api' }), 'p1'), 'ok');
  assert.deepEqual(brief(a.collect()), ['api@0:2']);
  // p1 goes idle: p0 alone decides; p1's events for windows closed meanwhile are too late.
  a.assign([{ key: 'p0', idle: false }, { key: 'p1', idle: true }]);
  assert.deepEqual(brief(a.collect()), ['api@1:1', 'api@2:2', 'api@3:1', 'api@4:1', 'api@5:1', 'api@6:1', 'api@7:1']);
  assert.equal(a.add(event({ ts: 3 * W, service: 'api' }), 'p1'), 'too_late');
  assert.equal(a.add(event({ ts: 9 * W, service: 'api' }), 'p1'), 'ok');
  // p1 rejoined with its watermark at 8.5 min, below what already closed: it never goes back.
  assert.equal(a.watermark, 8.5 * W + 1000);
});

/** What the source's idle timer does: the candidates' log ends looked up (here: given), then confirmed. */
function tick(t: PartitionTracker, now: number, ends: Record<string, bigint> = {}): boolean {
  let changed = false;
  for (const c of t.candidates(now)) changed = t.confirmIdle(c.key, c.next, ends[c.key]) || changed;
  return changed;
}

test('partitions: idle after idleMs only with nothing left to fetch; data makes them active', () => {
  const t = new PartitionTracker(1000);
  assert.deepEqual(t.assign({ logs: [0, 1] }, 0), { gained: ['logs:0', 'logs:1'], lost: [] });
  t.delivered('logs', 0, '9', '100', 500); // backlog: 90 messages left
  assert.equal(tick(t, 900), false);
  assert.equal(tick(t, 1000), false, 'logs:1 not delivered yet, its end not known: it may have a backlog');
  t.atEnd('logs', 1, true, 0n);
  assert.equal(tick(t, 1000, { 'logs:1': 0n }), true, 'logs:1 has nothing to fetch: idle after idleMs');
  assert.deepEqual(t.states(), [{ key: 'logs:0', idle: false, epoch: 1, next: '10' }, { key: 'logs:1', idle: true, epoch: 2, next: '0' }]);
  assert.equal(tick(t, 60_000), false, 'logs:0 has a backlog: never idle');
  t.delivered('logs', 0, '99', '100', 60_000);
  assert.equal(tick(t, 60_999, { 'logs:0': 100n }), false);
  assert.equal(tick(t, 61_000, { 'logs:0': 100n }), true);
  t.delivered('logs', 1, '0', '1', 61_500);
  assert.deepEqual(t.states(), [{ key: 'logs:0', idle: true, epoch: 1, next: '100' }, { key: 'logs:1', idle: false, epoch: 2, next: '1' }]);
  assert.deepEqual(t.assign({ logs: [1, 2] }, 62_000), { gained: ['logs:2'], lost: ['logs:0'] });
  assert.deepEqual(t.assign({ logs: [0, 1, 2] }, 63_000), { gained: ['logs:0'], lost: [] });
  assert.deepEqual(t.states().map((s) => [s.key, s.epoch]), [['logs:1', 2], ['logs:2', 3], ['logs:0', 4]], 'a partition gained back is a new assignment');
});

test('partitions: caught up as of the last batch is not idle while Kafka holds more (a rebalance, or other partitions\' turn, kept the consumer from fetching)', () => {
  const t = new PartitionTracker(1000);
  t.assign({ logs: [0] }, 0);
  t.delivered('logs', 0, '99', '100', 0); // the last batch reached the end it knew of
  assert.deepEqual(t.candidates(1000), [{ key: 'logs:0', next: 100n }]);
  assert.equal(tick(t, 1000, { 'logs:0': 150n }), false, '50 records were written since: a backlog, not idle');
  assert.deepEqual(t.candidates(5000), [], 'and no candidate until it delivered up to the end');
  t.delivered('logs', 0, '149', '150', 5000);
  assert.equal(tick(t, 6000, { 'logs:0': 150n }), true);
  // The partition delivered between the look-up and its answer: the answer is old news.
  t.delivered('logs', 0, '150', '151', 7000);
  const [c] = t.candidates(8000);
  t.delivered('logs', 0, '151', '152', 8001);
  assert.equal(t.confirmIdle(c!.key, c!.next, 151n), false);
  assert.equal(t.states()[0]!.idle, false);
});

test('partitions kept across a rejoin are stale only when another member committed past this process\'s own offsets', () => {
  const own = new Map([['logs:0', 100n], ['logs:1', 50n], ['p:0', 7n]]);
  // One daemon through a broker outage: the group's offsets are its own (or behind a commit it sent that failed).
  assert.deepEqual(workedElsewhere(['logs:0', 'logs:1', 'p:0'], new Map([['logs:0', 100n], ['logs:1', 40n], ['p:0', 7n]]), own), []);
  // Dropped from the group: another member read logs:1 and p:0 on from where this one had committed, and committed.
  assert.deepEqual(workedElsewhere(['logs:0', 'logs:1', 'p:0'], new Map([['logs:0', 100n], ['logs:1', 51n], ['p:0', 30n]]), own), ['logs:1', 'p:0']);
  // No offset in the group: nobody committed. This process had none (nothing committed yet) but the group has one: someone else.
  assert.deepEqual(workedElsewhere(['logs:2', 'logs:3'], new Map([['logs:3', 0n]]), own), ['logs:3']);
});

test('partitions: a kept partition regained is a new assignment (new epoch, its idle state and offset unknown again)', () => {
  const t = new PartitionTracker(1000);
  t.assign({ logs: [0, 1] }, 0);
  t.delivered('logs', 0, '9', '10', 100);
  assert.equal(tick(t, 2000, { 'logs:0': 10n }), true);
  assert.deepEqual(t.states()[0], { key: 'logs:0', idle: true, epoch: 1, next: '10' });
  assert.equal(t.regain('logs:0', 3000), true);
  assert.equal(t.regain('logs:7', 3000), false, 'not held');
  assert.deepEqual(t.states(), [{ key: 'logs:0', idle: false, epoch: 3 }, { key: 'logs:1', idle: false, epoch: 2 }]);
  assert.deepEqual(t.candidates(9000).map((c) => c.key), [], 'a backlog until its start offset is looked up again');
  assert.deepEqual(t.assign({ logs: [0, 1] }, 9000), { gained: [], lost: [] }, 'the next assignment keeps it at its new epoch');
  assert.equal(t.states()[0]!.epoch, 3);
  assert.deepEqual([t.epochOf('logs', 0), t.epochOf('logs', 1), t.epochOf('logs', 9)], [3, 2, undefined]);
});
