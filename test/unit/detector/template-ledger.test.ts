import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLevel, MetricPoint } from '../../../ingest/types.ts';
import { TemplateLedger } from '../../../detector/logpattern/ledger.ts';
import { reasonOf } from '../../../remediator/policy.ts';
import type { Detection } from '../../../detector/types.ts';
import { W, windows } from './template-lines.ts';

const ledger = (): TemplateLedger => new TemplateLedger({ maxServices: 10, maxTemplatesPerService: 100, alpha: 0.05, warmupWindows: 10 });

const steady = (w: number): Array<[LogLevel, string]> => {
  const l: Array<[LogLevel, string]> = [];
  for (let i = 0; i < 40 + (w % 3) * 10; i++) l.push(['info', `GET /cart/${i} 200 in ${10 + (i % 7)} ms`]);
  l.push(['warn', `retrying call to inventory after ${100 + w} ms`]);
  if (w === 4) l.push(['info', 'cache warmed with 120 entries']);
  return l;
};
const pool = (w: number): Array<[LogLevel, string]> => [
  ...steady(w),
  ...(w >= 20 ? Array.from({ length: 12 }, (_, i): [LogLevel, string] => ['warn', `connection pool exhausted (50/50 in use), waited ${200 + i} ms`]) : []),
];

test('first seen is the first window the service logged a template in; the latest window lists first', () => {
  const l = ledger();
  const points = windows(steady, 8);
  const seen = points.map((p) => l.observe(p));
  const get = points[0]!.templates!.find((t) => t.text.startsWith('GET'))!;
  assert.deepEqual(seen.map((m) => m.get(get.id)), [0, 0, 0, 0, 0, 0, 0, 0]);
  const cache = points[4]!.templates!.find((t) => t.text.startsWith('cache'))!;
  assert.equal(seen[4]!.get(cache.id), 4 * W);
  const list = l.list('checkout');
  assert.deepEqual(list.map((t) => [t.text, t.count, t.warn, t.firstSeen / W, t.lastSeen / W]), [
    ['GET <*> <*> in <*> ms', 50, 0, 0, 7],
    ['retrying call to inventory after <*> ms', 1, 1, 0, 7],
    ['cache warmed with <*> entries', 1, 0, 4, 4],
  ]);
  assert.equal(list[0]!.total, 40 + 50 + 60 + 40 + 50 + 60 + 40 + 50);
  // A late duplicate of a window changes nothing and still says when each template was first seen.
  assert.equal(l.observe(points[4]!).get(cache.id), 4 * W);
  assert.equal(l.list('checkout')[0]!.total, list[0]!.total);
  assert.deepEqual(l.list('nobody'), []);
});

test('evidence: a template that surges above its own history comes first, then the window\'s most frequent', () => {
  const l = ledger();
  const points = windows(pool, 21);
  for (const p of points.slice(0, 20)) l.observe(p);
  // Steady: nothing surges, the evidence is the most frequent templates.
  assert.deepEqual(l.evidence('checkout').map((e) => e.text), ['GET <*> <*> in <*> ms', 'retrying call to inventory after <*> ms']);
  assert.ok(l.evidence('checkout').every((e) => e.surge < 2));
  assert.ok(l.warnSurge('checkout') < 2, `steady retries do not surge: ${l.warnSurge('checkout')}`);
  l.observe(points[20]!);
  // 12 pool-exhausted warn lines never seen before: surge 12 / √1.
  assert.equal(l.warnSurge('checkout'), 12);
  const ev = l.evidence('checkout');
  assert.deepEqual(ev.map((e) => [e.text, e.count, e.warn, e.expected]), [
    ['connection pool exhausted (<*>/<*> in use), waited <*> ms', 12, 12, 0],
    ['GET <*> <*> in <*> ms', 60, 0, ev[1]!.expected],
    ['retrying call to inventory after <*> ms', 1, 1, ev[2]!.expected],
  ]);
  assert.ok(ev[0]!.surge >= 2 && ev[1]!.surge < 2, JSON.stringify(ev));
  // Its share of the service's lines (~0.98) × the window's 73 lines: more than it logged, since the pool lines crowd it.
  assert.ok(ev[1]!.expected > 69 && ev[1]!.expected < 73, `GET expected from its share: ${ev[1]!.expected}`);
});

test('during a service\'s warm-up nothing surges: every template is new to it', () => {
  const l = ledger();
  const [first] = windows(pool, 1);
  l.observe(first!);
  assert.ok(l.evidence('checkout').length > 0);
  assert.equal(l.warnSurge('checkout'), 0);
  assert.deepEqual(l.evidence('checkout').map((e) => e.text)[0], 'GET <*> <*> in <*> ms');
});

test('services and templates are bounded: the least recently seen is forgotten', () => {
  const l = new TemplateLedger({ maxServices: 2, maxTemplatesPerService: 2, alpha: 0.05 });
  for (const s of ['a', 'b', 'c']) for (const p of windows(steady, 5, s)) l.observe(p);
  assert.equal(l.size, 2);
  assert.deepEqual(l.list('a'), []);
  // Window 4 logs three templates: the one with fewest lines and seen first goes.
  assert.deepEqual(l.list('c').map((t) => t.text), ['GET <*> <*> in <*> ms', 'cache warmed with <*> entries']);
});

test('an action\'s reason carries the template ids its detection named', () => {
  const d: Detection = {
    id: 'det-1', service: 'checkout', metric: 'latency_p95', kind: 'predicted_breach', at: 0, score: 0.9, threshold: 300, modelVersion: 'm',
    evidence: { observed: 250, templateIds: ['t1', 't2'], templates: [] },
  };
  assert.deepEqual(reasonOf(d).templateIds, ['t1', 't2']);
  assert.equal(reasonOf({ ...d, evidence: { observed: 1 } }).templateIds, undefined);
  assert.equal(reasonOf({ ...d, evidence: { templateIds: [3] } }).templateIds, undefined);
});

/** A hand-made window of service `s`: 10 lines, the given templates' and the rest `filler`'s. */
function point(w: number, ts: Array<[id: string, count: number]>): MetricPoint {
  const used = ts.reduce((a, [, c]) => a + c, 0);
  const templates = [...ts, ['filler', 10 - used] as [string, number]].map(([id, count]) => ({ id, text: `text of ${id}`, count, warn: id === 'filler' ? 0 : count, samples: [] }));
  return { service: 's', windowStart: w * W, windowMs: W, count: 10, errors: 0, errorRate: 0, latency: null, latencyCount: 0, levels: {}, topTemplates: [], templates };
}

test('a merge folds the folded id\'s history into the survivor\'s: shares add at a common window, totals add, first seen the earlier', () => {
  const l = ledger();
  // x in windows 0-4 (2 lines of 10), y in windows 2-6 (3 lines of 10).
  for (let w = 0; w <= 6; w++) l.observe(point(w, [...(w <= 4 ? [['x', 2] as [string, number]] : []), ...(w >= 2 ? [['y', 3] as [string, number]] : [])]));
  l.fold([{ ids: ['x'], into: { id: 'y', text: 'merged text' } }]);
  assert.deepEqual(l.list('s').map((t) => [t.id, t.text, t.firstSeen / W, t.lastSeen / W, t.count, t.total]), [
    ['filler', 'text of filler', 0, 6, 7, 8 + 8 + 5 + 5 + 5 + 7 + 7],
    ['y', 'merged text', 0, 6, 3, 5 * 2 + 5 * 3],
  ]);
  // Window 7 carries x's lines under y: 5 of 10 against a share of 0.2 × 0.95² + 0.3 (x's
  // decayed over the two windows it was absent from, y's as it was): no surge.
  l.observe(point(7, [['y', 5]]));
  const y = l.evidence('s').find((e) => e.id === 'y')!;
  assert.deepEqual([y.expected, y.surge], [4.805, 0.081]);
  // A merge of ids the service never logged changes nothing.
  const before = l.list('s');
  l.fold([{ ids: ['q'], into: { id: 'r', text: 'r' } }]);
  assert.deepEqual(l.list('s'), before);
});
