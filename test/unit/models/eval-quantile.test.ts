import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantileSeq } from 'mathjs';
import { quantile } from '../../../daemon/eval/score.ts';
import { rng } from '../../fuzz/corpus.ts';

// The eval's quantile sorts a copy and interpolates (R's type 7); mathjs's quantileSeq is
// the reference it must agree with bit for bit.

test('the eval quantile is bit-identical to mathjs quantileSeq on unsorted samples', () => {
  const r = rng(4);
  for (let i = 0; i < 20_000; i++) {
    const n = 1 + Math.floor(r() * 30);
    const xs = Array.from({ length: n }, () => (r() < 0.2 ? Math.floor(r() * 5) : (r() - 0.3) * 100));
    for (const q of [0, 0.1, 0.25, 0.5, 0.9, 1, r()]) assert.ok(Object.is(quantile(xs, q), quantileSeq([...xs], q) as number), `${xs.join(',')} q=${q}`);
  }
  assert.equal(quantile([], 0.5), null);
});
