import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../../ingest/sources/simulator/rng.ts';

test('the same seed gives the same draws, pinned', () => {
  const r = createRng(42);
  assert.deepEqual([r.next(), r.next(), r.int(100), r.normal(), r.hex32()], [
    0.6011037519201636, 0.44829055899754167, 85, 0.6773277072041898, '86cec4d345f245149fef4401dd8fbf1e',
  ]);
});

test('derived streams differ by label and by seed', () => {
  assert.notEqual(deriveSeed(7, 'noise:a'), deriveSeed(7, 'noise:b'));
  assert.notEqual(deriveSeed(7, 'noise:a'), deriveSeed(8, 'noise:a'));
  assert.equal(deriveSeed(7, 'noise:a'), deriveSeed(7, 'noise:a'));
});

test('normal draws have about zero mean and unit variance', () => {
  const r = createRng(1);
  let s = 0;
  let s2 = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.03, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.05, `variance ${s2 / n}`);
});
