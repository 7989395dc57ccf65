import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BreachInterval, GroundTruth, IncidentTruth } from '../../../ingest/sources/simulator/index.ts';
import type { TimedDetection } from '../../../daemon/eval/arms.ts';
import type { Detection } from '../../../detector/types.ts';
import { incidentsOf, quantile, scoreScenario, summarise, sustainedBreaches } from '../../../daemon/eval/score.ts';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const H = 40 * MIN;
const at = (m: number): number => T0 + m * MIN;

function truth(breaches: Record<string, BreachInterval[]>, incidents: IncidentTruth[] = [], minutes = 600, replicaMinutes = 100): GroundTruth {
  const services: GroundTruth['services'] = {};
  for (const [name, b] of Object.entries(breaches)) {
    const breachMs = b.reduce((a, x) => a + ((x.end ?? at(minutes)) - x.start), 0);
    services[name] = { sloP95Ms: 250, breaches: b, firstBreachAt: b[0]?.start ?? null, breachMinutes: breachMs / MIN, replicaMinutes, replicaChanges: [] };
  }
  return { seed: 1, startTime: T0, stepMs: 10_000, now: at(minutes), steps: minutes * 6, services, incidents, actions: [] };
}

function leak(service: string, start: number, firstBreach: number | null, ramp = 60): IncidentTruth {
  return { kind: 'memory-leak', service, index: 0, pass: 0, start: at(start), end: null, rampMinutes: ramp, predictable: ramp >= 20, firstBreachAt: firstBreach === null ? null : at(firstBreach) };
}

function detection(service: string, emittedMinute: number): TimedDetection {
  const d = { id: `d-${service}-${emittedMinute}`, service, metric: 'latency_p95', kind: 'predicted_breach', at: at(emittedMinute - 3) } as Detection;
  return { detection: d, emittedAt: at(emittedMinute) };
}

test('a declared incident is predictable only when its breach came at least 20 minutes after it began', () => {
  const none = truth({ a: [{ start: at(100), end: at(130) }], b: [{ start: at(210), end: at(215) }] }, [leak('a', 60, 100), leak('b', 200, 210)]);
  const got = incidentsOf(none, H).map((i) => ({ kind: i.kind, service: i.service, predictable: i.predictable, declared: i.declaredPredictable }));
  assert.deepEqual(got, [
    { kind: 'memory-leak', service: 'a', predictable: true, declared: true },
    { kind: 'memory-leak', service: 'b', predictable: false, declared: true },
  ]);
});

test('an unexplained breach episode is one load incident; flickers within 20 minutes join it; blips under a minute are not incidents', () => {
  const none = truth({
    // Quiet for 200 minutes, then three breaches 5 and 10 minutes apart: one episode of 3 min.
    busy: [{ start: at(200), end: at(201) }, { start: at(206), end: at(207) }, { start: at(217), end: at(218) }],
    // Two 15-second blips far apart: 0.25 min each, no incident.
    blip: [{ start: at(300), end: at(300) + 15_000 }, { start: at(400), end: at(400) + 15_000 }],
  });
  const got = incidentsOf(none, H);
  assert.deepEqual(got.map((i) => [i.kind, i.service, i.predictable, i.breachAt, i.start]), [
    // Starts two horizons before the breach (or at the end of the previous episode).
    ['load', 'busy', true, at(200), at(200) - 2 * H],
  ]);
});

test('a load breach soon after the previous episode is scored as not predictable', () => {
  const none = truth({ s: [{ start: at(100), end: at(110) }, { start: at(135), end: at(140) }] });
  const got = incidentsOf(none, H).map((i) => [i.breachAt, i.predictable, i.start]);
  // 25 minutes apart: two episodes; the second had 25 quiet minutes, enough warning.
  assert.deepEqual(got, [[at(100), true, at(20)], [at(135), true, at(110)]]);
  const close = truth({ s: [{ start: at(100), end: at(110) }, { start: at(125), end: at(126) + 30_000 }] });
  // 15 minutes apart: one episode.
  assert.equal(incidentsOf(close, H).length, 1);
  const early = truth({ s: [{ start: at(10), end: at(15) }] });
  assert.deepEqual(incidentsOf(early, H).map((i) => i.predictable), [false], 'only 10 quiet minutes since the start');
});

test('breaches inside an incident (or within a horizon after it) are explained by it, not extra load incidents', () => {
  const none = truth({ a: [{ start: at(100), end: at(130) }, { start: at(165), end: at(170) }] }, [{ ...leak('a', 60, 100), end: at(130) }]);
  assert.deepEqual(incidentsOf(none, H).map((i) => i.kind), ['memory-leak']);
});

test('recall counts detections emitted between incident start and breach; lead is from emission; others are false alarms unless a breach follows within the horizon', () => {
  const none = truth({ a: [{ start: at(100), end: at(130) }], b: [] }, [leak('a', 60, 100)], 1440);
  const score = scoreScenario({
    name: 's', durationMinutes: 1440, services: ['a', 'b'], horizonMs: H,
    truth: { none, reactive: truth({ a: [{ start: at(100), end: at(110) }], b: [] }, [], 1440, 120), foresight: truth({ a: [], b: [] }, [], 1440, 130) },
    detections: [
      detection('a', 50), // before the incident: breach 50 min later, beyond the horizon: false alarm
      detection('a', 82), // the prediction: lead 18 min
      detection('a', 95), // re-raised before the breach: real, not a second incident
      detection('b', 300), // b never breaches: false alarm
      detection('a', 132), // about window 129, inside the breach, reported after it ended: real
    ],
    seconds: 1,
  });
  assert.deepEqual(score.incidents.map((i) => [i.detectedAt, i.leadMinutes]), [[at(82), 18]]);
  assert.equal(score.falseAlarms, 2);
  assert.equal(score.predictedBreaches, 5);
  assert.equal(score.serviceDays, 2);
  assert.deepEqual(score.sloBreachMinutes, { none: 30, reactive: 10, foresight: 0 });
  assert.deepEqual(score.replicaMinutes, { none: 200, reactive: 240, foresight: 260 });
  const s = summarise([score], 1.234);
  assert.deepEqual({ recall: s.recall, lead: s.leadMinutes, fa: s.falseAlarmsPerServiceDay, seconds: s.seconds }, { recall: 1, lead: { median: 18, p10: 18 }, fa: 1, seconds: 1.2 });
});

test('quantiles interpolate between order statistics', () => {
  assert.equal(quantile([], 0.5), null);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
  assert.equal(Number(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1)?.toFixed(6)), 2);
  assert.equal(Number(quantile([0.2, 4.7, 5.7, 6.5, 12.2], 0.1)?.toFixed(6)), 2);
});

test('a breach is sustained: flickers under a minute apart merge, and a stretch needs a minute breached in total', () => {
  const s = (x: number): number => at(0) + x * 1000;
  const got = sustainedBreaches([
    { start: s(100), end: s(110) }, // a 10 s blip, alone: not a breach
    { start: s(300), end: s(320) }, { start: s(330), end: s(350) }, { start: s(380), end: s(400) }, // 60 s with gaps of 10 and 30 s
    { start: s(1000), end: null }, // open to the end of the run
  ], s(1030));
  assert.deepEqual(got, [{ start: s(300), end: s(400) }]);
  assert.deepEqual(sustainedBreaches([{ start: s(1000), end: null }], s(1100)), [{ start: s(1000), end: null }]);
});

test('a declared incident breaches at its first sustained breach, not at an earlier blip; a detection before a lone blip is a false alarm', () => {
  const none = truth({ a: [{ start: at(90), end: at(90) + 10_000 }, { start: at(111), end: at(140) }], b: [{ start: at(300), end: at(300) + 20_000 }] }, [leak('a', 60, 90)], 1440);
  const inc = incidentsOf(none, H);
  assert.deepEqual(inc.map((i) => [i.service, i.breachAt, i.predictable]), [['a', at(111), true]]);
  const score = scoreScenario({
    name: 's', durationMinutes: 1440, services: ['a', 'b'], horizonMs: H,
    truth: { none, reactive: none, foresight: none },
    detections: [detection('a', 95), detection('b', 290)],
    seconds: 1,
  });
  // Predicted at 95, after the blip at 90 but 16 minutes before the breach at 111.
  assert.deepEqual(score.incidents.map((i) => i.leadMinutes), [16]);
  assert.equal(score.falseAlarms, 1, 'b only blipped');
});

test('a caller\'s breach that an incident on a service it calls explains is scored under that incident, as predictable as it', () => {
  // front → mid → db. db slows gradually from minute 60 (declared predictable) and front
  // breaches at 90: 30 minutes of warning, predictable, scored as db's kind via db.
  const slow: IncidentTruth = { ...leak('db', 60, null), kind: 'slow-dependency' };
  const calls = { front: ['mid'], mid: ['db'], db: [] };
  const gradual = truth({ front: [{ start: at(90), end: at(120) }] }, [slow]);
  assert.deepEqual(incidentsOf(gradual, H, undefined, undefined, calls).map((i) => [i.kind, i.service, i.via, i.start, i.predictable, i.breachAt]), [
    ['slow-dependency', 'db', undefined, at(60), true, null],
    ['slow-dependency', 'front', 'db', at(60), true, at(90)],
  ]);
  // A sudden rollout on db (declared not predictable) gives front no warning either.
  const rollout: IncidentTruth = { ...leak('db', 60, null), kind: 'rollout', predictable: false, rampMinutes: 0 };
  const sudden = truth({ front: [{ start: at(90), end: at(120) }] }, [rollout]);
  assert.deepEqual(incidentsOf(sudden, H, undefined, undefined, calls).map((i) => [i.kind, i.service, i.via, i.predictable]), [
    ['rollout', 'db', undefined, false],
    ['rollout', 'front', 'db', false],
  ]);
  // Without call edges the same breach is an unexplained load episode, as before (it starts
  // two horizons before its breach, so it sorts first).
  assert.deepEqual(incidentsOf(sudden, H).map((i) => [i.kind, i.service, i.predictable]), [['load', 'front', true], ['rollout', 'db', false]]);
  // A service db does not call back is not explained by front's incidents.
  const upstream = truth({ db: [{ start: at(90), end: at(120) }] }, [{ ...leak('front', 60, null) }]);
  assert.deepEqual(incidentsOf(upstream, H, undefined, undefined, calls).map((i) => [i.kind, i.service]), [['load', 'db'], ['memory-leak', 'front']]);
});
