import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, familyOf, foldsOf, poissonUpper, rankKey, selectBest, withinBudget, type Family } from '../../../daemon/eval/folds.ts';
import { defaultSeeds, parseSeeds, seedSpread, type SeedResult } from '../../../daemon/eval/leadtime.ts';
import { summarise, type ScenarioScore } from '../../../daemon/eval/score.ts';
import { loadSuite } from '../../../daemon/eval/suite.ts';

/** A one-service, one-day scenario score with one predictable incident (lead or missed) and some false alarms. */
function score(name: string, lead: number | null, falseAlarms = 0, serviceDays = 1): ScenarioScore {
  return {
    name, services: 1, serviceDays, falseAlarms, predictedBreaches: falseAlarms + (lead === null ? 0 : 1), seconds: 1,
    incidents: [{ kind: 'memory-leak', service: 'a', start: 0, predictable: true, declaredPredictable: true, breachAt: 100, detectedAt: lead === null ? null : 100 - lead, leadMinutes: lead }],
    sloBreachMinutes: { none: 10, reactive: 5, foresight: 1 },
    replicaMinutes: { none: 100, reactive: 110, foresight: 115 },
  };
}

test('the built-in suite falls into the five families by its incidents', () => {
  const fams = Object.fromEntries(loadSuite().map((e) => [e.scenario.name, familyOf(e.scenario)]));
  assert.deepEqual(fams, {
    'leak-checkout': 'leak', 'leak-payments-fast': 'leak', 'leak-orders-slow': 'leak',
    'surge-orders': 'surge', 'surge-checkout-steep': 'surge',
    'diurnal-peak': 'load', 'steady-day': 'load', 'steady-day-busy': 'load',
    'slow-dependency': 'dependency', 'bad-deploy': 'dependency', 'dependency-outage': 'dependency',
    'multi-service': 'mixed',
  });
});

test('families are dealt into K folds in a fixed order; K is capped at the families present', () => {
  const all = new Set<Family>(['mixed', 'leak', 'load', 'surge', 'dependency']);
  assert.deepEqual(foldsOf(all, 5), [['leak'], ['surge'], ['dependency'], ['load'], ['mixed']]);
  assert.deepEqual(foldsOf(all, 2), [['leak', 'dependency', 'mixed'], ['surge', 'load']]);
  assert.deepEqual(foldsOf(new Set<Family>(['leak', 'surge']), 5), [['leak'], ['surge']]);
});

test('the Poisson upper bound: exact values at 95 %', () => {
  assert.equal(poissonUpper(0).toFixed(3), '2.996'); // -ln 0.05
  assert.equal(poissonUpper(1).toFixed(3), '4.744');
  assert.equal(poissonUpper(2).toFixed(3), '6.296');
  assert.equal(poissonUpper(0, 0.9).toFixed(3), '2.303');
});

test('the budget must be shown: no false alarm over 12 service-days does not show 0.2 per day, over 15 it does', () => {
  assert.equal(withinBudget(summarise([score('x', 10, 0, 12)], 0)), false);
  assert.equal(withinBudget(summarise([score('x', 10, 0, 15)], 0)), true);
  assert.equal(withinBudget(summarise([score('x', 10, 2, 32)], 0)), true); // 6.30 / 32 = 0.197
  assert.equal(withinBudget(summarise([score('x', 10, 2, 31)], 0)), false);
});

test('selection: points shown within the budget first, then recall, then median lead; ties keep the earlier grid point', () => {
  const a = summarise([score('x', 10, 0, 10), score('y', 12, 0, 10)], 0); // recall 1, lead 11, fa 0 over 20 days
  const b = summarise([score('x', 20, 0, 10), score('y', null, 0, 10)], 0); // recall 0.5
  const c = summarise([score('x', 30, 4, 10), score('y', 30, 0, 10)], 0); // 4 false alarms over 20 days: over budget
  const d = summarise([score('x', 14, 0, 10), score('y', 14, 0, 10)], 0); // recall 1, lead 14
  assert.equal(selectBest([a, b, c]), 0);
  assert.equal(selectBest([a, b, c, d]), 3);
  assert.equal(selectBest([a, a]), 0);
  assert.deepEqual(rankKey(d).slice(0, 3), [1, 1, 14]);
  assert.deepEqual(rankKey(c), [0, -0.2]);
});

test('selection without evidence of the budget: fewest false alarms, then grid order; lead is not bought', () => {
  // 2 service-days: no point can be shown within 0.2 per day.
  const defaults = summarise([score('x', 10), score('y', 12)], 0);
  const earlier = summarise([score('x', 14), score('y', 16)], 0); // more lead, also no false alarm
  const noisy = summarise([score('x', 10, 1), score('y', 12)], 0);
  assert.equal(selectBest([defaults, earlier]), 0);
  assert.equal(selectBest([noisy, earlier]), 1);
});

test('cross-validation chooses on the training families and scores the held-out one with that choice', () => {
  const families: Family[] = ['leak', 'leak', 'surge'];
  // Grid point 0 is best on the leaks, point 1 on the surge (but raises false alarms on the leaks).
  // 20 service-days a run.
  const scores = [
    [score('l1', 20, 0, 20), score('l2', 18, 0, 20), score('s1', 2, 0, 20)],
    [score('l1', 25, 3, 20), score('l2', 22, 3, 20), score('s1', 9, 0, 20)],
  ];
  const cv = crossValidate(scores, families, [['leak'], ['surge']]);
  assert.deepEqual(cv.folds.map((f) => [f.heldOut, f.chosen]), [[['leak'], 1], [['surge'], 0]]);
  assert.deepEqual(cv.folds.map((f) => f.withinBudget), [true, true]);
  // Held out leak: chosen on the surge alone, where point 1 is better: leads 25 and 22, 6 false alarms.
  assert.deepEqual(cv.folds[0]!.test.leadMinutes, { median: 23.5, p10: 22.3 });
  // Held out surge: chosen on the leaks (point 1 has 6 false alarms over 40 days: over budget): lead 2.
  assert.deepEqual(cv.folds[1]!.test.leadMinutes, { median: 2, p10: 2 });
  assert.deepEqual({ lead: cv.crossValidated.leadMinutes.median, fa: cv.crossValidated.falseAlarms, recall: cv.crossValidated.recall }, { lead: 22, fa: 6, recall: 1 });
  // In sample, point 1 has 6 false alarms over 60 service-days (bound 11.84 / 60 = 0.197: within).
  assert.equal(cv.inSample.chosen, 1);
});

test('cross-validation with the false-alarm family held out: a training set too short to show the budget keeps the defaults', () => {
  // The leaks have few service-days and no false alarm at either point; the steady day (load) shows them.
  const families: Family[] = ['leak', 'leak', 'load'];
  const steady = (fa: number): ScenarioScore => ({ ...score('steady', null, fa, 20), incidents: [] });
  const scores = [
    [score('l1', 20, 0, 2), score('l2', 18, 0, 2), steady(1)],
    [score('l1', 21, 0, 2), score('l2', 19, 0, 2), steady(10)],
  ];
  const cv = crossValidate(scores, families, [['leak'], ['load']]);
  assert.deepEqual(cv.folds.map((f) => [f.heldOut, f.chosen]), [[['leak'], 0], [['load'], 0]]);
  assert.deepEqual(cv.folds.map((f) => f.withinBudget), [false, false], 'neither 20 days with 1 false alarm nor 4 days with none show 0.2 per day');
  assert.equal(cv.crossValidated.falseAlarms, 1);
});

test('--seeds takes N (own seeds, then 101, 202, ...) or an explicit list', () => {
  assert.deepEqual(defaultSeeds(3), ['own', 101, 202]);
  assert.deepEqual(parseSeeds('3'), ['own', 101, 202]);
  assert.deepEqual(parseSeeds('own,7,42'), ['own', 7, 42]);
  assert.throws(() => parseSeeds('0'), /1\.\.20/);
  assert.throws(() => parseSeeds('7,x'), /comma-separated/);
  assert.throws(() => parseSeeds('7,7'), /twice/);
});

test('seed spread: the median over seeds and the worst seed of each figure', () => {
  const r = (seed: SeedResult['seed'], scores: ScenarioScore[], alerts: number | null = null): SeedResult => ({ seed, perScenario: scores, summary: { ...summarise(scores, 0), alertsPerServiceDay: alerts } });
  const spread = seedSpread([r('own', [score('x', 20)], 0.143), r(101, [score('x', 8, 1)], 0), r(202, [score('x', 14)], 1.286)]);
  assert.equal(spread.median.leadMedian, 14);
  assert.equal(spread.median.alertsPerServiceDay, 0.143);
  assert.deepEqual(spread.worst.alertsPerServiceDay, { value: 1.286, seed: 202 });
  assert.deepEqual(spread.worst.leadMedian, { value: 8, seed: 101 });
  assert.deepEqual(spread.worst.falseAlarmsPerServiceDay, { value: 1, seed: 101 });
  assert.deepEqual(spread.worst.recall, { value: 1, seed: 'own' });
  const missed = seedSpread([r('own', [score('x', 20)]), r(101, [score('x', null)])]);
  assert.deepEqual(missed.worst.leadMedian, { value: null, seed: 101 }, 'no lead at all is the worst');
});
