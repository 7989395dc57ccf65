import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLevel, MetricPoint } from '../../../ingest/types.ts';
import { logPatternConfigSchema } from '../../../detector/logpattern/config.ts';
import { createLogPatternStage } from '../../../detector/logpattern/stage.ts';
import { log10PoissonTail, noveltyScore } from '../../../detector/logpattern/novelty.ts';
import { W, windows } from './template-lines.ts';

const steady = (w: number): Array<[LogLevel, string]> => {
  const l: Array<[LogLevel, string]> = [];
  for (let i = 0; i < 40 + (w % 3) * 10; i++) l.push(['info', `GET /cart/${i} 200 in ${10 + (i % 7)} ms`]);
  for (let i = 0; i < 2; i++) l.push(['warn', `retrying call to inventory after ${100 * (i + 1)} ms`]);
  return l;
};

test('a steady service stays silent, warn templates included', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const found = stage.handle(windows(steady, 60));
  assert.deepEqual(found, []);
});

const typeError = (line: number): [LogLevel, string] => ['error', `TypeError: Cannot read properties of undefined (reading 'price') at line ${line}`];

test('a new error template that recurs after warm-up is one log_pattern detection with text, samples and counts', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  // Two lines a window from window 30: one window of it is not yet beyond chance (p ≈ 0.005
  // after 1,560 lines without it), the second is (4 lines in 98, p ≈ 4e-5).
  const points = windows((w) => (w >= 30 ? [...steady(w), typeError(42), typeError(57)] : steady(w)), 40);
  const found = stage.handle(points);
  assert.equal(found.length, 1);
  const d = found[0]!;
  assert.equal(d.kind, 'log_pattern');
  assert.equal(d.metric, 'template');
  assert.equal(d.at, 31 * W);
  assert.ok(d.score >= 0.3 && d.score < 1, `score ${d.score}`);
  assert.equal(d.threshold, 0.3);
  assert.deepEqual(d.evidence, {
    reason: 'new_template',
    templateId: d.evidence.templateId,
    template: 'TypeError: Cannot read properties of undefined (reading \'price\') at line <*>',
    count: 2, warnCount: 2, windowCount: 54, windowMs: W, firstSeen: 30 * W,
    warnSinceFirstSeen: 4, linesSinceFirstSeen: 98, linesBefore: 1560,
    samples: ['TypeError: Cannot read properties of undefined (reading \'price\') at line 42', 'TypeError: Cannot read properties of undefined (reading \'price\') at line 57'],
  });
  assert.match(String(d.evidence.templateId), /^t[0-9a-f]{10}$/);
  // Deterministic id: the same input gives the same detection.
  const again = createLogPatternStage(logPatternConfigSchema.parse({})).handle(points);
  assert.equal(again[0]?.id, d.id);
});

test('many lines of a new error template in one window are raised in that window', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const found = stage.handle(windows((w) => (w === 30 ? [...steady(w), ...Array.from({ length: 8 }, (_, i) => typeError(i))] : steady(w)), 32));
  assert.deepEqual(found.map((d) => [d.at / W, d.evidence.reason, d.evidence.count]), [[30, 'new_template', 8]]);
  assert.equal(found[0]!.score, 1);
});

test('rare routine errors seen for the first time one line at a time stay silent (the leak example\'s healthy services)', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  // As orders logs them: each of six templates about once in 20 windows, first seen after warm-up.
  const routine = [
    'GET /api/orders failed: internal server error', 'GET /api/orders/{} failed: internal server error',
    'POST /api/orders failed: internal server error', 'GET /api/orders failed: database deadlock detected, transaction rolled back',
    'GET /api/orders/{} failed: database deadlock detected, transaction rolled back', 'POST /api/orders failed: database deadlock detected, transaction rolled back',
  ];
  const found = stage.handle(windows((w) => {
    const l = steady(w);
    if (w >= 12 && w % 7 === 5) l.push(['error', routine[(w * 5) % routine.length]!.replace('{}', String(1000 + w))]);
    return l;
  }, 240, 'orders'));
  assert.deepEqual(found, []);
});

test('an error template seen once during warm-up and again later is not new', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const found = stage.handle(windows((w) => (w === 3 || w >= 30 ? [...steady(w), typeError(w)] : steady(w)), 40));
  assert.deepEqual(found, []);
});

test('new templates during warm-up are learnt, not raised', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const found = stage.handle(windows((w) => (w === 3 ? [...steady(w), ['error', 'connection pool exhausted: 20 of 20 in use']] : steady(w)), 20));
  assert.deepEqual(found, []);
});

test('a burst of a known warn template is raised with its expected count; its usual rate is not', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const points = windows((w) => {
    const l = steady(w);
    if (w >= 40) for (let i = 0; i < 30; i++) l.push(['warn', `GC pause of ${200 + i} ms (old generation)`]);
    else if (w % 5 === 0) l.push(['warn', 'GC pause of 180 ms (old generation)']);
    return l;
  }, 42);
  const found = stage.handle(points);
  assert.deepEqual(found.map((d) => [d.at / W, d.evidence.reason, d.evidence.template, d.evidence.count]), [
    [40, 'burst', 'GC pause of <*> ms (old generation)', 30],
    [41, 'burst', 'GC pause of <*> ms (old generation)', 30],
  ]);
  const e = found[0]!.evidence;
  assert.ok((e.expected as number) < 1, `expected ${String(e.expected)}`);
  assert.ok(found[0]!.score >= 0.5 && found[0]!.score <= 1);
  assert.equal((e.samples as string[]).length, 3);
});

test('twice the traffic with the same mix is not a burst (the rate is a share of the service\'s lines)', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const found = stage.handle(windows((w) => (w >= 30 ? [...steady(w), ...steady(w)] : steady(w)), 40));
  assert.deepEqual(found, []);
});

test('the Poisson tail behind the novelty score, against its closed form', () => {
  for (const [k, lambda] of [[1, 0.2], [2, 0.104], [4, 0.2], [5, 1.5], [40, 3]] as const) {
    let cdf = 0;
    let term = Math.exp(-lambda);
    for (let i = 0; i < k; i++) { cdf += term; term *= lambda / (i + 1); }
    const exact = k <= 5 ? Math.log10(1 - cdf) : undefined;
    const got = log10PoissonTail(k, lambda);
    if (exact !== undefined) assert.ok(Math.abs(got - exact) < 1e-9, `k=${k} λ=${lambda}: ${got} vs ${exact}`);
    else assert.ok(got < -20 && Number.isFinite(got), `k=${k} λ=${lambda}: ${got}`);
  }
  assert.equal(log10PoissonTail(3, 5), 0);
  assert.equal(noveltyScore(1, 100, 0), 0);
  assert.equal(noveltyScore(50, 100, 10_000), 1);
});

/** A hand-made window: 2 warn lines of `id` and 48 info lines of `filler`. */
const warnWindow = (w: number, id: string): MetricPoint => ({
  service: 's', windowStart: w * W, windowMs: W, count: 50, errors: 0, errorRate: 0, latency: null, latencyCount: 0, levels: {}, topTemplates: [],
  templates: [{ id, text: `text of ${id}`, count: 2, warn: 2, samples: [] }, { id: 'filler', text: 'filler', count: 48, warn: 0, samples: [] }],
});

test('a template the service logged under a folded id is not new under the survivor\'s', () => {
  const cfg = logPatternConfigSchema.parse({});
  const before = Array.from({ length: 30 }, (_, w) => warnWindow(w, 'x'));
  const after = Array.from({ length: 10 }, (_, w) => warnWindow(30 + w, 'y'));
  // Unfolded, y is a warn template never seen: raised in its second window (4 warn lines in 100 after 1,500).
  const unfolded = createLogPatternStage(cfg);
  unfolded.handle(before);
  assert.deepEqual(unfolded.handle(after).map((d) => [d.at / W, d.evidence.reason, d.evidence.templateId]), [[31, 'new_template', 'y']]);
  const folded = createLogPatternStage(cfg);
  folded.handle(before);
  folded.fold([{ ids: ['x'], into: { id: 'y', text: 'merged' } }]);
  assert.deepEqual(folded.templates('s').map((t) => [t.id, t.text, t.firstSeen, t.share]), [['filler', 'filler', 0, 0.96], ['y', 'merged', 0, 0.04]]);
  assert.deepEqual(folded.handle(after), []);
  // Two templates both still judged as new fold into one judged from the earlier first sight.
  const fresh = createLogPatternStage(cfg);
  fresh.handle(Array.from({ length: 30 }, (_, w) => ({ ...warnWindow(w, 'filler'), templates: [{ id: 'filler', text: 'filler', count: 50, warn: 0, samples: [] }] })));
  fresh.handle([warnWindow(30, 'a')]);
  fresh.fold([{ ids: ['a'], into: { id: 'b', text: 'b' } }]);
  assert.deepEqual(fresh.handle([warnWindow(31, 'b')]).map((d) => [d.evidence.templateId, d.evidence.firstSeen, d.evidence.warnSinceFirstSeen, d.evidence.linesBefore]), [['b', 30 * W, 4, 1500]]);
});
