import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erf as mathjsErf, quantileSeq } from 'mathjs';
import { erf } from '../../../models/statistical/erf.ts';
import { quantile } from '../../../daemon/eval/score.ts';
import { rng } from '../../fuzz/corpus.ts';

// mathjs is a dev dependency only: these two functions were all the product used of it, and
// importing it cost 1.6-1.9 s of CPU at every start (issue #16). Results stay bit-identical.

test('erf is bit-identical to mathjs erf on every interval, the edges and 200,000 random values', () => {
  const r = rng(3);
  const xs = [0, -0, 1e-300, 0.46875, -0.46875, 0.46876, 4, -4, 4.000001, 5.9, 26, 27, 1e10, 2 ** 53, -(2 ** 53), Infinity, -Infinity, NaN];
  for (let i = 0; i < 200_000; i++) {
    const band = i % 4;
    const x = band === 0 ? r() * 0.5 : band === 1 ? r() * 4 : band === 2 ? 4 + r() * 30 : (r() - 0.5) * 12;
    xs.push(r() < 0.5 ? -x : x);
  }
  for (const x of xs) assert.ok(Object.is(erf(x), mathjsErf(x) as number), `erf(${x}): ${erf(x)} vs ${String(mathjsErf(x))}`);
});

test('the eval quantile is bit-identical to mathjs quantileSeq on unsorted samples', () => {
  const r = rng(4);
  for (let i = 0; i < 20_000; i++) {
    const n = 1 + Math.floor(r() * 30);
    const xs = Array.from({ length: n }, () => (r() < 0.2 ? Math.floor(r() * 5) : (r() - 0.3) * 100));
    for (const q of [0, 0.1, 0.25, 0.5, 0.9, 1, r()]) assert.ok(Object.is(quantile(xs, q), quantileSeq([...xs], q) as number), `${xs.join(',')} q=${q}`);
  }
  assert.equal(quantile([], 0.5), null);
});
