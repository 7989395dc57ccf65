import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLevel } from '../../../ingest/types.ts';
import { logPatternConfigSchema } from '../../../detector/logpattern/config.ts';
import { createLogPatternStage } from '../../../detector/logpattern/stage.ts';
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

test('a new error template after warm-up is one log_pattern detection with text, samples and counts', () => {
  const stage = createLogPatternStage(logPatternConfigSchema.parse({}));
  const points = windows((w) => (w === 30
    ? [...steady(w), ['error', 'TypeError: Cannot read properties of undefined (reading \'price\') at line 42'], ['error', 'TypeError: Cannot read properties of undefined (reading \'price\') at line 57']]
    : steady(w)), 40);
  const found = stage.handle(points);
  assert.equal(found.length, 1);
  const d = found[0]!;
  assert.equal(d.kind, 'log_pattern');
  assert.equal(d.metric, 'template');
  assert.equal(d.at, 30 * W);
  assert.equal(d.score, 1);
  assert.deepEqual(d.evidence, {
    reason: 'new_template',
    templateId: d.evidence.templateId,
    template: 'TypeError: Cannot read properties of undefined (reading \'price\') at line <*>',
    count: 2, warnCount: 2, windowCount: 44, windowMs: W, firstSeen: 30 * W,
    samples: ['TypeError: Cannot read properties of undefined (reading \'price\') at line 42', 'TypeError: Cannot read properties of undefined (reading \'price\') at line 57'],
  });
  assert.match(String(d.evidence.templateId), /^t[0-9a-f]{10}$/);
  // Deterministic id: the same input gives the same detection.
  const again = createLogPatternStage(logPatternConfigSchema.parse({})).handle(points);
  assert.equal(again[0]?.id, d.id);
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
