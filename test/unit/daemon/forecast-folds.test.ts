import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForesightError } from '../../../core/errors.ts';
import type { Family } from '../../../daemon/eval/folds.ts';
import { forecastFolds, scenarioOfSeries } from '../../../daemon/eval/forecast-folds.ts';

const families = new Map<string, Family>([
  ['01-leak-a', 'leak'], ['02-leak-b', 'leak'], ['03-surge', 'surge'], ['04-slow-dep', 'dependency'],
  ['05-steady', 'load'], ['06-multi', 'mixed'],
]);
const ids = [
  '01-leak-a/checkout', '01-leak-a/cart', '02-leak-b/payments', '03-surge/orders', '03-surge/checkout',
  '04-slow-dep/shipping', '05-steady/search', '06-multi/orders', '06-multi/cart',
];
const familyOf = (id: string): Family => families.get(scenarioOfSeries(id))!;

test('no series of a held-out family reaches training; every series is scored in exactly one fold', () => {
  for (const k of [2, 3, 5]) {
    const folds = forecastFolds(ids, families, k);
    assert.equal(folds.length, k);
    for (const f of folds) {
      for (const id of f.train) assert.ok(!f.heldOut.includes(familyOf(id)), `k=${k}: ${id} of a held-out family in training`);
      for (const id of f.test) assert.ok(f.heldOut.includes(familyOf(id)), `k=${k}: ${id} scored outside its fold`);
      assert.deepEqual([...f.train, ...f.test].sort(), [...ids].sort());
    }
    assert.deepEqual(folds.flatMap((f) => f.test).sort(), [...ids].sort());
  }
});

test('five folds on literal series: one family each, in the order eval leadtime --folds uses', () => {
  const folds = forecastFolds(ids, families, 5);
  assert.deepEqual(folds.map((f) => f.heldOut), [['leak'], ['surge'], ['dependency'], ['load'], ['mixed']]);
  assert.deepEqual(folds[0], {
    heldOut: ['leak'],
    train: ['03-surge/orders', '03-surge/checkout', '04-slow-dep/shipping', '05-steady/search', '06-multi/orders', '06-multi/cart'],
    test: ['01-leak-a/checkout', '01-leak-a/cart', '02-leak-b/payments'],
  });
  assert.deepEqual(forecastFolds(ids, families, 2).map((f) => f.heldOut), [['leak', 'dependency', 'mixed'], ['surge', 'load']]);
});

test('one family only, an unknown scenario or a series id without a scenario are refused', () => {
  assert.throws(() => forecastFolds(['01-leak-a/x', '02-leak-b/y'], families, 2), (e: unknown) => e instanceof ForesightError && /at least 2 families/.test(e.message));
  assert.throws(() => forecastFolds(['99-new/x', '01-leak-a/y'], families, 2), /no family/);
  assert.throws(() => scenarioOfSeries('checkout'), /not scenario\/service/);
});
