import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, type BreachInterval } from '../../../ingest/sources/simulator/index.ts';
import { runCapacity, runNone } from '../../../daemon/eval/arms.ts';
import { breachMsOutside, scoreScenario, summarise } from '../../../daemon/eval/score.ts';

const MIN = 60_000;

/** One service at moderate load, 4 replicas of 50 rps, 10 allowed; the incident is the only change. */
function scenario(name: string, incident: Record<string, unknown>): ReturnType<typeof parseScenario> {
  return parseScenario({
    name, durationMinutes: 150, seed: 5,
    services: [{
      name: 'api', replicas: 4, maxReplicas: 10, perReplicaRps: 50, baseLatencyMs: 40, sloP95Ms: 250,
      load: { peakRps: 110, troughRps: 90, peakAtMinute: 100, noise: 0.03 },
    }],
    incidents: [{ service: 'api', startMinute: 40, ...incident }],
  });
}

function fixableOf(s: ReturnType<typeof parseScenario>): { none: number; fixable: number; oracle: number } {
  const none = runNone(s, 5);
  const oracle = runCapacity(s, 5);
  const score = scoreScenario({
    name: s.name, durationMinutes: s.durationMinutes, services: ['api'], horizonMs: 40 * MIN,
    truth: { none: none.truth, reactive: none.truth, foresight: none.truth }, capacity: oracle.truth, detections: [], seconds: 0,
  });
  return { none: score.sloBreachMinutes.none, fixable: score.fixable!.sloBreachMinutes.none, oracle: score.fixable!.capacityBreachMinutes };
}

test('the capacity oracle leaves a surge no breach: every breach minute of it is one capacity can fix', () => {
  const got = fixableOf(scenario('surge', { kind: 'traffic-surge', rampMinutes: 30, holdMinutes: 40, decayMinutes: 10, multiplier: 2.4 }));
  assert.ok(got.none > 20, `the surge breaches without action (${got.none} min)`);
  assert.equal(got.oracle, 0);
  assert.equal(got.fixable, got.none);
  assert.equal(Math.round(got.none * 6), 370, 'pinned: 10-second steps breached at seed 5');
});

test('a slow dependency at moderate load breaches at maxReplicas too: capacity can fix none of it', () => {
  const got = fixableOf(scenario('slow-dep', { kind: 'slow-dependency', rampMinutes: 30, addMs: 400 }));
  assert.ok(got.none > 20, `the dependency breaches without action (${got.none} min)`);
  assert.ok(got.oracle >= got.none * 0.95, `the oracle breaches as long (${got.oracle} of ${got.none} min)`);
  assert.ok(got.fixable <= got.none * 0.05, `at most a few minutes at the ramp's edge are left (${got.fixable})`);
  assert.deepEqual([got.none, got.oracle, got.fixable].map((m) => Math.round(m * 6)), [627, 611, 16], 'pinned: 10-second steps at seed 5');
});

test('breach time outside the oracle is the exact set difference of the intervals', () => {
  const iv = (a: number, b: number | null): BreachInterval => ({ start: a * MIN, end: b === null ? null : b * MIN });
  // arm: [0,10) [20,30) [40,open→60); oracle: [5,8) [25,45)
  const ms = breachMsOutside([iv(0, 10), iv(20, 30), iv(40, null)], [iv(5, 8), iv(25, 45)], 60 * MIN);
  assert.equal(ms / MIN, 7 + 5 + 15);
  assert.equal(breachMsOutside([iv(0, 10)], [], 60 * MIN) / MIN, 10);
  assert.equal(breachMsOutside([iv(10, 20)], [iv(0, null)], 60 * MIN), 0);
});

test('the summary reports fixable minutes and ratios only when every scenario ran the oracle', () => {
  const base = { name: 's', services: 1, serviceDays: 1, incidents: [], falseAlarms: 0, predictedBreaches: 0, seconds: 0 };
  const a = { ...base, sloBreachMinutes: { none: 100, reactive: 40, foresight: 30 }, replicaMinutes: { none: 1, reactive: 1, foresight: 1 },
    fixable: { sloBreachMinutes: { none: 80, reactive: 20, foresight: 8 }, capacityBreachMinutes: 20 } };
  const s = summarise([a], 0);
  assert.deepEqual(s.fixable, { sloBreachMinutes: { none: 80, reactive: 20, foresight: 8 }, capacityBreachMinutes: 20, foresightOverNone: 0.1, foresightOverReactive: 0.4 });
  const { fixable: _, ...without } = a;
  assert.equal(summarise([a, without], 0).fixable, undefined);
});
