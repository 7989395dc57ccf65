import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertPolicySchema } from '../../../remediator/alerts/config.ts';
import { alertmanagerPayload } from '../../../remediator/alerts/deliver.ts';
import { createAlertPlanner } from '../../../remediator/alerts/planner.ts';
import { servicePolicySchema } from '../../../remediator/config.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { ActionRecord } from '../../../remediator/types.ts';
import { breach, brief, FakeSimulator, harness, minutes, MIN, T0 } from './fixtures.ts';

/** Re-raised every 10 minutes, as the detector does while its episode lasts. */
const every10 = (from: number, to: number) => (m: number) => (m >= from && m < to && (m - from) % 10 === 0 ? [breach('checkout', T0 + m * MIN)] : []);

test('capacity that did not help is escalated to a person once per episode, not at every re-raise', async () => {
  const h = harness();
  // A slow dependency: p95 800 ms (SLO 500) whatever the replicas, for 60 minutes, then fine.
  const out = await minutes(h, 0, 100, (m) => (m < 60 ? 800 : 200), (m) => [...every10(0, 60)(m), ...every10(75, 90)(m)]);
  const alerts = out.filter((r) => r.kind === 'alert');
  const held = out.filter((r) => r.status === 'suppressed');
  // Rolled back at 12:10 (verifyAfterMs); re-raised at 10, 20, 30, 40, 50: five held scale-outs, one escalation.
  assert.deepEqual(held.map(brief), ['12:10 scale_out suppressed(capacity_ineffective) 2->6', '12:20 scale_out suppressed(capacity_ineffective) 2->6', '12:30 scale_out suppressed(capacity_ineffective) 2->6', '12:40 scale_out suppressed(capacity_ineffective) 2->6', '12:50 scale_out suppressed(capacity_ineffective) 2->6']);
  assert.deepEqual(alerts.map(brief), ['12:10 alert planned -'], 'one escalation for the whole episode');
  assert.equal(alerts[0]!.params.escalation, 'capacity_ineffective');
  assert.equal(alerts[0]!.reason.detectionKind, 'predicted_breach');
  // p95 back within the target at 13:00 ends the episode: a new breach at 13:15 gets capacity again.
  assert.ok(out.some((r) => brief(r) === '13:15 scale_out planned 2->6'), out.map(brief).join('\n'));
});

test('a service at its maximum replicas is escalated once (max_replicas), and again only after replicas came down', async () => {
  const sim = new FakeSimulator({ checkout: 10 });
  const h = harness({}, { sim, policy: servicePolicySchema.parse({ sloP95Ms: 500, minReplicas: 2, maxReplicas: 10 }) });
  const out = await minutes(h, 0, 40, () => 700, every10(0, 40));
  assert.deepEqual(out.filter((r) => r.kind === 'alert').map((r) => [brief(r), r.params.escalation]), [['12:00 alert planned -', 'max_replicas']]);
  assert.match(out[0]!.reason.evidence, /^predicted breach needs a person: no replicas left to add \(max_replicas\): checkout is at its maximum of 10 replicas; p95 now 700 ms/);
  assert.equal(out.filter((r) => r.guardrail === 'max_replicas').length, 4, 'each re-raise is still recorded as held');
  sim.reps.set('checkout', 8);
  const again = await minutes(h, 40, 41, () => 700, (m) => [breach('checkout', T0 + m * MIN)]);
  sim.reps.set('checkout', 10);
  const back = await minutes(h, 50, 51, () => 700, (m) => [breach('checkout', T0 + m * MIN)]);
  assert.deepEqual([...again, ...back].filter((r) => r.kind === 'alert').map(brief), ['12:50 alert planned -'], 'a new episode once the ceiling was left');
});

test('an escalation already sent is not sent again after a restart within its episode', async () => {
  const store = new MemoryRecordStore();
  const sim = new FakeSimulator({ checkout: 10 });
  const first = harness({}, { store, sim });
  await minutes(first, 0, 12, () => 700, every10(0, 12));
  await first.rem.stop();
  const second = harness({}, { store, sim });
  await second.rem.start();
  const out = await minutes(second, 12, 32, () => 700, every10(20, 32));
  assert.deepEqual(out.map(brief), ['12:20 scale_out suppressed(max_replicas) 10->10', '12:30 scale_out suppressed(max_replicas) 10->10']);
});

test('the notifier sends an escalation once, critical, in place of the suppressed message of that guardrail', () => {
  const p = createAlertPlanner(alertPolicySchema.parse({}));
  const base = {
    '@timestamp': new Date(T0).toISOString(), service: 'checkout', target: 'checkout', mode: 'dry_run', actuator: 'simulator',
    daemon: { instance: 't', version: '0', configHash: 'x' }, reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 0.9, evidence: 'predicted breach needs a person: more replicas are not bringing p95 down (capacity_ineffective): why' },
  } as const;
  const escalation: ActionRecord = { ...base, actionId: 'esc-1', kind: 'alert', params: { escalation: 'capacity_ineffective' }, status: 'planned' };
  const held = (m: number): ActionRecord => ({ ...base, '@timestamp': new Date(T0 + m * MIN).toISOString(), actionId: `held-${m}`, kind: 'scale_out', params: { fromReplicas: 2, toReplicas: 6 }, status: 'suppressed', guardrail: 'capacity_ineffective' });
  const anomalyAlert: ActionRecord = { ...base, actionId: 'al-1', kind: 'alert', params: {}, status: 'planned' };
  const out = [
    ...p.handle({ detections: [], records: [escalation, held(0), anomalyAlert], now: T0 }),
    ...p.handle({ detections: [], records: [{ ...escalation, status: 'executed' }, held(10), held(20)], now: T0 + 20 * MIN }),
  ];
  assert.deepEqual(out.map((m) => [m.kind, m.severity, m.key]), [['escalation', 'critical', 'escalation/esc-1']]);
  assert.equal(out[0]!.summary, 'checkout: predicted breach needs a person: more replicas are not bringing p95 down (capacity_ineffective): why');
  const am = alertmanagerPayload(out[0]!, T0) as { alerts: Array<{ labels: Record<string, string> }> };
  assert.equal(am.alerts[0]!.labels.alertname, 'ForesightCapacityIneffective');
});

test('after a restart, an escalation whose episode left no rollback behind does not silence the next episode', async () => {
  // The earlier episode was escalated from what a scale-out showed (no rollback record), so a
  // restart cannot tell whether it is still going on: the next one must be escalated again.
  const store = new MemoryRecordStore();
  const old: ActionRecord = {
    '@timestamp': new Date(T0 - 120 * MIN).toISOString(), actionId: 'act-old-escalation', service: 'checkout', target: 'checkout', kind: 'alert',
    params: { escalation: 'capacity_ineffective' }, status: 'planned', mode: 'dry_run', actuator: 'simulator',
    daemon: { instance: 'test-0', version: '0.1.0', configHash: 'abc' },
    reason: { detectionId: 'd-old', detectionKind: 'predicted_breach', score: 0.9, evidence: 'predicted breach needs a person: …' },
  };
  await store.putActions([old]);
  const h = harness({}, { store });
  await h.rem.start();
  const out = await minutes(h, 0, 60, () => 800, every10(0, 60));
  assert.deepEqual(out.filter((r) => r.kind === 'alert').map((r) => [brief(r), r.params.escalation]), [['12:10 alert planned -', 'capacity_ineffective']]);
});
