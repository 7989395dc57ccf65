import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servicePolicySchema } from '../../../remediator/config.ts';
import { actionId } from '../../../remediator/records.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import { anomaly, breach, brief, harness, minutes, point, MIN, T0 } from './fixtures.ts';
import type { ForecastUpdate } from '../../../models/types.ts';
import type { ActionRecord } from '../../../remediator/types.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { belowBreachLoad } from '../../../remediator/index.ts';
import { Ledger } from '../../../remediator/ledger.ts';

test('a predicted breach scales out in dry run: simulator moved, live-only actuator untouched, detection stored', async () => {
  const h = harness();
  const out = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  assert.deepEqual(out.map(brief), ['12:00 scale_out planned 2->6']);
  assert.deepEqual(h.sim.calls, ['scale checkout 6']);
  assert.equal(h.spy.seen.length, 0);
  const r = out[0]!;
  assert.equal(r.actionId, actionId('checkout', 'scale_out', T0, 5 * MIN));
  assert.equal(r.actuator, 'simulator');
  assert.equal(r.mode, 'dry_run');
  assert.deepEqual(r.daemon, { instance: 'test-1', version: '0.1.0', configHash: 'abc' });
  assert.equal(r.reason.leadTimeMs, 2 * MIN);
  const store = h.store as MemoryRecordStore;
  assert.deepEqual([...store.detections.keys()], [breach('checkout', T0).id]);
  assert.equal(store.actions.get(r.actionId)?.status, 'planned');
});

test('live mode calls every actuator and records executed', async () => {
  const h = harness({ mode: 'live' });
  const out = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  assert.deepEqual(out.map(brief), ['12:00 scale_out executed 2->6']);
  assert.equal(out[0]!.actuator, 'simulator,spy');
  assert.equal(h.spy.seen[0]?.status, 'executed');
});

test('approval mode holds actions as pending and calls nothing, but alerts still go out', async () => {
  const h = harness({ mode: 'approval' });
  const out = await h.rem.handle({ detections: [breach('checkout', T0), anomaly('checkout', T0 + 5 * MIN)], points: [] });
  assert.deepEqual(out.map(brief), ['12:00 scale_out pending 2->6', '12:05 alert executed -']);
  assert.deepEqual(h.sim.calls, []);
  assert.deepEqual(h.spy.seen.map((a) => a.kind), ['alert']);
  assert.equal(out[0]!.result, 'waiting for approval');
});

test('an anomaly alone raises an alert, never a scale-out', async () => {
  const h = harness({ mode: 'live' });
  const out = await h.rem.handle({ detections: [anomaly('checkout', T0)], points: [] });
  assert.deepEqual(out.map(brief), ['12:00 alert executed -']);
  assert.deepEqual(h.sim.calls, []);
});

test('a flood of detections yields one action and one suppressed record per decision window', async () => {
  const h = harness();
  const out = await minutes(h, 0, 9, () => 450, (m) => [breach('checkout', T0 + m * MIN)]);
  assert.deepEqual(out.map(brief), ['12:00 scale_out planned 2->6', '12:05 scale_out suppressed(cooldown) 6->10']);
  assert.deepEqual(h.sim.calls, ['scale checkout 6']);
});

test('verification succeeds once a full window after warmup is under the SLO', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const out = await minutes(h, 0, 6, () => 200);
  assert.deepEqual(out.map(brief), ['12:00 scale_out verified 2->6']);
  assert.deepEqual(out[0]!.verification, { checkedAt: '2026-01-01T12:05:00.000Z', ok: true, detail: 'median p95 200 ms over 3 windows vs SLO 500 ms' });
});

test('an action that does not help is rolled back after verifyAfterMs', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const out = await minutes(h, 0, 11, () => 800);
  assert.deepEqual(out.map(brief), ['12:00 scale_out rolled_back 2->6', '12:10 rollback planned 6->2']);
  assert.equal(out[0]!.verification?.ok, false);
  assert.equal(out[0]!.verification?.checkedAt, '2026-01-01T12:10:00.000Z');
  assert.equal(out[1]!.rollbackOf, out[0]!.actionId);
  assert.deepEqual(h.sim.calls, ['scale checkout 6', 'scale checkout 2']);
  assert.equal(h.sim.replicas('checkout'), 2);
});

test('a breach still predicted keeps verification from passing even when p95 is fine', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  // The 12:03 breach falls in the decision window already acted on (no new record), but it
  // is evidence: verification waits until the evidence window (12:03, 12:06] no longer holds it.
  const out = await minutes(h, 0, 7, () => 200, (m) => (m === 3 ? [breach('checkout', T0 + m * MIN)] : []));
  assert.deepEqual(out.map(brief), ['12:00 scale_out verified 2->6']);
  assert.equal(out[0]!.verification?.checkedAt, '2026-01-01T12:06:00.000Z');
});

test('with rollback disabled a failed verification is recorded as failed, and nothing is undone', async () => {
  const h = harness({}, { policy: servicePolicySchema.parse({ sloP95Ms: 500, minReplicas: 2, maxReplicas: 10, rollback: false }) });
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const out = await minutes(h, 0, 11, () => 800);
  assert.deepEqual(out.map(brief), ['12:00 scale_out failed 2->6']);
  assert.match(out[0]!.verification!.detail, /rollback disabled by policy$/);
  assert.deepEqual(h.sim.calls, ['scale checkout 6']);
});

test('capacity is given back one step once no breach is predicted and p95 has headroom for scaleInAfterMs', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const out = await minutes(h, 0, 61, () => 200);
  // The second scale-in was due at 12:32, but it would have used the last of the three
  // actions the hour allows this target; it waits until 12:00 leaves the hour.
  assert.deepEqual(out.map(brief), [
    '12:00 scale_out verified 2->6',
    '12:16 scale_in planned 6->5',
    '12:16 scale_in verified 6->5',
    '13:00 scale_in planned 5->4',
  ]);
  assert.deepEqual(h.sim.calls, ['scale checkout 6', 'scale checkout 5', 'scale checkout 4']);
});

test('traffic shift moves the configured share and restores it when the danger has passed', async () => {
  const h = harness({}, { policy: servicePolicySchema.parse({ sloP95Ms: 500, action: 'traffic_shift', shiftShare: 0.3 }) });
  const first = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  assert.deepEqual(first[0]!.params, { fromWeights: { primary: 1, standby: 0 }, toWeights: { primary: 0.7, standby: 0.3 } });
  const out = await minutes(h, 0, 17, () => 200);
  assert.deepEqual(out.map(brief), [
    '12:00 traffic_shift verified {"primary":1,"standby":0}->{"primary":0.7,"standby":0.3}',
    '12:16 traffic_shift planned {"primary":0.7,"standby":0.3}->{"primary":1,"standby":0}',
  ]);
  assert.deepEqual(h.sim.calls, ['shift checkout 0.3', 'shift checkout 0']);
});

test('replaying the same input twice gives identical records and no duplicates in the store', async () => {
  const store = new MemoryRecordStore();
  const run = async () => {
    const h = harness({}, { store, replay: true });
    await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
    return minutes(h, 0, 40, (m) => (m < 12 ? 800 : 200), (m) => (m % 3 === 0 ? [breach('checkout', T0 + m * MIN)] : []));
  };
  const a = await run();
  const versions = store.history.length;
  const b = await run();
  assert.deepEqual(b, a);
  assert.equal(store.history.length, versions);
  assert.ok(a.length >= 3, `expected a few records, got ${a.map(brief).join(' | ')}`);
  assert.ok(a.every((r) => r.replay === true));
});

test('the hourly cap stops the fifth action of the hour on one target', async () => {
  const h = harness({ cooldownMs: 5 * MIN, maxActionsPerHourPerTarget: 4, maxStepReplicas: 1, verifyAfterMs: 5 * MIN, warmupMs: 0 });
  // A breach every 5 minutes: each step verifies, the next breach scales again, until capped.
  const out = await minutes(h, 0, 30, () => 200, (m) => (m % 5 === 0 ? [breach('checkout', T0 + m * MIN)] : []));
  assert.deepEqual(out.map(brief), [
    '12:00 scale_out planned 2->3',
    '12:00 scale_out verified 2->3',
    '12:05 scale_out planned 3->4',
    '12:05 scale_out verified 3->4',
    '12:10 scale_out planned 4->5',
    '12:10 scale_out verified 4->5',
    '12:15 scale_out planned 5->6',
    '12:15 scale_out verified 5->6',
    '12:20 scale_out suppressed(hourly_cap_target) 6->7',
    '12:25 scale_out suppressed(hourly_cap_target) 6->7',
  ]);
  assert.equal(h.sim.replicas('checkout'), 6);
});

test('records the store refused are kept and written first on the next batch', async () => {
  const inner = new MemoryRecordStore();
  let fail = true;
  const flaky = {
    putActions: async (rs: Parameters<MemoryRecordStore['putActions']>[0]) => { if (fail) throw new Error('disk full'); return inner.putActions(rs); },
    putDetections: (ds: Parameters<MemoryRecordStore['putDetections']>[0]) => inner.putDetections(ds),
    flush: async () => {}, close: async () => {},
  };
  const h = harness({}, { store: flaky });
  await assert.rejects(h.rem.handle({ detections: [breach('checkout', T0)], points: [] }), /disk full/);
  assert.equal(h.rem.health().ok, false);
  assert.equal(h.rem.health().detail?.unsaved, 1);
  fail = false;
  assert.deepEqual(await h.rem.handle({ detections: [], points: [] }), []);
  assert.deepEqual([...inner.actions.values()].map(brief), ['12:00 scale_out planned 2->6']);
  assert.equal(h.rem.health().ok, true);
});

test('no scale-in while the median forecast says p95 is heading back up, even when the window itself is fine', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const forecastAt = (m: number, peak: number): ForecastUpdate => ({
    service: 'checkout', metric: 'latency_p95', windowStart: T0 + m * MIN, observed: 200, forecaster: 'test',
    forecast: { origin: T0 + m * MIN, stepMs: MIN, steps: 2, quantiles: [0.1, 0.5, 0.9], forecaster: 'test', modelVersion: 'test@1', paths: { p10: [150, 150], p50: [200, peak], p90: [250, peak * 1.2] } },
  });
  const out: ActionRecord[] = [];
  for (let m = 0; m < 40; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    // p95 200 leaves room (6 -> 5 gives 240 <= 350), but the median path peaks at 320: 384 > 350.
    out.push(...(await h.rem.handle({ detections: [], points: [point('checkout', T0 + m * MIN, 200)], forecasts: [forecastAt(m, 320)] })));
  }
  assert.deepEqual(out.map(brief), ['12:00 scale_out verified 2->6']);
});

test('a scale-out right after a scale-in is not held by the cooldown of the scale-in', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const out = await minutes(h, 0, 20, (m) => (m < 17 ? 200 : 450), (m) => (m === 18 ? [breach('checkout', T0 + m * MIN)] : []));
  assert.deepEqual(out.map(brief), [
    '12:00 scale_out verified 2->6',
    '12:16 scale_in planned 6->5',
    '12:18 scale_out planned 5->9',
  ]);
});

test('scale-in never returns to the load per replica at which the breach was predicted', async () => {
  const h = harness();
  const at = (m: number, count: number, p95 = 200): MetricPoint => ({ ...point('checkout', T0 + m * MIN, p95), count });
  const out: ActionRecord[] = [];
  // The breach is predicted in the 12:00 window, at 400 requests a minute on 2 replicas.
  h.clock.advanceTo(T0 + MIN);
  out.push(...(await h.rem.handle({ detections: [breach('checkout', T0)], points: [at(0, 400, 450)] })));
  assert.equal(out[0]!.params.loadPerReplica, 200);
  // Load then rises to 900 a minute; p95 stays at 200 ms on the bigger fleet. 900/5 = 180 is
  // below 200, so 6 -> 5 goes ahead; 900/4 = 225 is not, although p95 × 5/4 = 250 would pass
  // the latency headroom check (≤ 350), and without the load memory 5 -> 4 came at 13:00.
  for (let m = 1; m < 75; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    out.push(...(await h.rem.handle({ detections: [], points: [at(m, 900)] })));
  }
  assert.deepEqual(out.map(brief), ['12:00 scale_out planned 2->6', '12:00 scale_out verified 2->6', '12:17 scale_in planned 6->5', '12:17 scale_in verified 6->5']);
  // Once load falls to 700 (175 per replica on 4) the step is taken.
  const later: ActionRecord[] = [];
  for (let m = 75; m < 95; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    later.push(...(await h.rem.handle({ detections: [], points: [at(m, 700)] })));
  }
  assert.deepEqual(later.map(brief), ['13:31 scale_in planned 5->4']);
});

test('belowBreachLoad: strictly below the remembered load per replica; no memory or no rate never blocks', () => {
  assert.equal(belowBreachLoad(900, 5, 200), true);
  assert.equal(belowBreachLoad(1000, 5, 200), false);
  assert.equal(belowBreachLoad(900, 4, 200), false);
  assert.equal(belowBreachLoad(undefined, 4, 200), true);
  assert.equal(belowBreachLoad(900, 4, undefined), true);
  assert.equal(belowBreachLoad(900, 0, 200), false);
});

test('the ledger remembers the breach load from a scale-out record, also after a restart, and forgets it on rollback', () => {
  const base = { '@timestamp': '2026-01-01T12:00:00.000Z', service: 'checkout', target: 'checkout', mode: 'live', status: 'executed', actuator: 'simulator', daemon: { instance: 'i', version: 'v', configHash: 'h' }, reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' } } as const;
  const out: ActionRecord = { ...base, actionId: 'a1', kind: 'scale_out', params: { fromReplicas: 2, toReplicas: 6, loadPerReplica: 150 } };
  const l = new Ledger(MIN);
  l.restore([out]);
  assert.equal(l.targets.get('checkout')?.breachLoadPerReplica, 150);
  l.restore([{ ...base, '@timestamp': '2026-01-01T12:10:00.000Z', actionId: 'a2', kind: 'rollback', params: { fromReplicas: 6, toReplicas: 2 } }]);
  assert.equal(l.targets.get('checkout')?.breachLoadPerReplica, undefined);
  assert.equal(l.targets.get('checkout')?.capacityIneffectiveSince, undefined);
  // A rollback of capacity that did not help holds scale-outs again after a restart.
  l.restore([{ ...base, '@timestamp': '2026-01-01T12:20:00.000Z', actionId: 'a3', kind: 'rollback', params: { fromReplicas: 6, toReplicas: 2, capacityIneffective: true } }]);
  assert.equal(l.targets.get('checkout')?.capacityIneffectiveSince, Date.parse('2026-01-01T12:20:00.000Z'));
});

test('after a scale-out that left p95 above the SLO is rolled back, scale-outs are held until p95 is back within the target', async () => {
  const h = harness();
  await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  // A slow dependency: more replicas change nothing; p95 stays at 800 ms (SLO 500).
  const out = await minutes(h, 0, 30, (m) => (m < 20 ? 800 : 200), (m) => (m === 15 || m === 25 ? [breach('checkout', T0 + m * MIN)] : []));
  assert.deepEqual(out.map(brief), [
    '12:00 scale_out rolled_back 2->6',
    '12:10 rollback planned 6->2',
    // Capacity cannot help: one escalation to a person, then the held scale-out.
    '12:15 alert planned -',
    '12:15 scale_out suppressed(capacity_ineffective) 2->6',
    // p95 200 at 12:20 is within the target (350): capacity may be tried again.
    '12:25 scale_out planned 2->6',
    '12:25 scale_out verified 2->6',
  ]);
  assert.equal(out[1]!.params.capacityIneffective, true, 'the rollback record says why, for a restart');
  assert.equal(out[2]!.params.escalation, 'capacity_ineffective');
  assert.match(out[2]!.reason.evidence, /^predicted breach needs a person: more replicas are not bringing p95 down \(capacity_ineffective\): the scale-out 2 → 6 replicas at 2026-01-01T12:00:00.000Z left p95 at 800 ms, above the SLO of 500 ms, with its replicas ready; rolled back; p95 now 800 ms, 100 requests\/min; SLO 500 ms;/);
  assert.deepEqual(h.sim.calls, ['scale checkout 6', 'scale checkout 2', 'scale checkout 6']);
});

test('a re-raised breach does not escalate when the last scale-out lowered the load per replica but not p95', async () => {
  const h = harness();
  const at = (m: number, p95: number, count = 400): MetricPoint => ({ ...point('checkout', T0 + m * MIN, p95), count });
  const out: ActionRecord[] = [];
  // p95 climbs 10 ms a minute from 400 whatever the replicas (a slowing dependency); load is flat.
  for (let m = -5; m < 21; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    const detections = m === 0 || m === 12 ? [breach('checkout', T0 + m * MIN)] : [];
    out.push(...(await h.rem.handle({ detections, points: [at(m, 400 + 10 * m)] })));
  }
  // At 12:12 the 4 new replicas have served for 10 minutes, each replica carries a third of
  // the load it did, and p95 went from ~390 to ~500: no escalation.
  // Verification passed (p95 was still under the SLO of 500 and no breach was predicted in
  // its evidence window), which is why the escalation itself has to look.
  assert.deepEqual(out.map(brief), ['12:00 scale_out planned 2->6', '12:00 scale_out verified 2->6', '12:12 alert planned -', '12:12 scale_out suppressed(capacity_ineffective) 6->10']);
  assert.match(out[2]!.reason.evidence, /since the scale-out 2 → 6 replicas at 2026-01-01T12:00:00.000Z, p95 went \d+ → \d+ ms while each replica's load fell 200 → 67 requests\/min/);
});

test('a re-raised breach does escalate when the load per replica grew past what was added (a surge)', async () => {
  const h = harness();
  const at = (m: number, p95: number, count: number): MetricPoint => ({ ...point('checkout', T0 + m * MIN, p95), count });
  const out: ActionRecord[] = [];
  for (let m = -5; m < 13; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    const detections = m === 0 || m === 12 ? [breach('checkout', T0 + m * MIN)] : [];
    // Load quadruples after 12:00: 2 -> 6 replicas was not enough, p95 keeps climbing.
    out.push(...(await h.rem.handle({ detections, points: [at(m, 400 + 10 * m, m <= 0 ? 400 : 1600)] })));
  }
  assert.deepEqual(out.map(brief), ['12:00 scale_out planned 2->6', '12:00 scale_out verified 2->6', '12:12 scale_out planned 6->10']);
});
