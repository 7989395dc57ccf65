import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesHistory } from '../../../models/history.ts';

test('series history: newest `capacity` points kept in columns that grow by doubling up to the capacity; covariates round-trip, absent ones stay absent', () => {
  const h = new SeriesHistory(100);
  assert.equal(h.bytes, 32 * 8 * 5, 'starts at 32 points');
  for (let i = 0; i < 40; i++) h.push({ t: i, value: i + 0.5, throughput: i * 2, errorRate: 0.01, warnRate: 0 });
  assert.equal(h.size, 40);
  assert.equal(h.bytes, 64 * 8 * 5);
  for (let i = 40; i < 1000; i++) h.push({ t: i, value: i + 0.5 });
  assert.equal(h.size, 100);
  assert.equal(h.bytes, 100 * 8 * 5, 'bounded: 1,000 pushed, 100 kept, columns never past the capacity');
  const all = h.toArray();
  assert.deepEqual([all[0]!.t, all.at(-1)!.t], [900, 999]);
  assert.deepEqual(h.toArray(3).map((p) => p.t), [997, 998, 999]);
  assert.deepEqual(h.toArray(3)[0], { t: 997, value: 997.5 });
  const g = new SeriesHistory(10);
  g.push({ t: 1, value: 2, throughput: 3, errorRate: 0.25, warnRate: 0 });
  assert.deepEqual(g.toArray(), [{ t: 1, value: 2, throughput: 3, errorRate: 0.25, warnRate: 0 }]);
  assert.deepEqual(g.toArray(50).length, 1);
});
