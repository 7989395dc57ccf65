import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemediatorConfig } from '../../../remediator/config.ts';
import { checkGuardrails, HOUR_MS, inLastHour, type GuardrailContext } from '../../../remediator/guardrails.ts';
import type { PlannedAction, ResolvedPolicy } from '../../../remediator/policy.ts';

const MIN = 60_000;
const NOW = 10 * HOUR_MS;
const limits = parseRemediatorConfig({});
const policy: ResolvedPolicy = { action: 'scale_out', target: 'checkout', minReplicas: 2, maxReplicas: 8, shiftShare: 0.5, sloP95Ms: 500, rollback: true, approve: false };

function plan(kind: PlannedAction['kind'], from?: number, to?: number): PlannedAction {
  return {
    kind, service: 'checkout', target: 'checkout', at: NOW,
    params: from === undefined ? {} : { fromReplicas: from, toReplicas: to },
    reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, evidence: '' },
  };
}

function ctx(over: Partial<GuardrailContext> = {}): GuardrailContext {
  return { mode: 'live', now: NOW, lastActionAt: undefined, recentActions: [], recentTargetActions: [], policy, ...over };
}

test('a clean action passes; the mode only decides whether it is held', () => {
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx(), limits), { pass: true, hold: null });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ mode: 'dry_run' }), limits), { pass: true, hold: 'dry_run' });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ mode: 'approval' }), limits), { pass: true, hold: 'approval' });
  assert.deepEqual(checkGuardrails(plan('alert'), ctx({ mode: 'approval' }), limits), { pass: true, hold: null });
  assert.deepEqual(checkGuardrails(plan('alert'), ctx({ mode: 'dry_run', lastActionAt: NOW }), limits), { pass: true, hold: 'dry_run' });
});

test('dry run still runs the other guardrails', () => {
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ mode: 'dry_run', lastActionAt: NOW - MIN }), limits), { pass: false, suppressed: 'cooldown' });
});

test('cooldown per target: 10 minutes by default, boundary included', () => {
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ lastActionAt: NOW - 10 * MIN + 1 }), limits), { pass: false, suppressed: 'cooldown' });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ lastActionAt: NOW - 10 * MIN }), limits), { pass: true, hold: null });
});

test('hourly caps slide over event time, global before per target', () => {
  const six = [1, 2, 3, 4, 5, 6].map((i) => NOW - i * 5 * MIN);
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ recentActions: six }), limits), { pass: false, suppressed: 'hourly_cap' });
  const sixOld = [NOW - HOUR_MS, ...six.slice(1)];
  assert.equal(inLastHour(sixOld, NOW), 5);
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ recentActions: sixOld }), limits), { pass: true, hold: null });
  const three = six.slice(0, 3);
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), ctx({ recentActions: three, recentTargetActions: three }), limits), { pass: false, suppressed: 'hourly_cap_target' });
});

test('replica bounds and blast radius', () => {
  assert.deepEqual(checkGuardrails(plan('scale_out', 8, 8), ctx(), limits), { pass: false, suppressed: 'max_replicas' });
  assert.deepEqual(checkGuardrails(plan('scale_out', 6, 9), ctx(), limits), { pass: false, suppressed: 'max_replicas' });
  assert.deepEqual(checkGuardrails(plan('scale_in', 2, 2), ctx(), limits), { pass: false, suppressed: 'min_replicas' });
  assert.deepEqual(checkGuardrails(plan('scale_in', 3, 1), ctx(), limits), { pass: false, suppressed: 'min_replicas' });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 7), ctx(), limits), { pass: false, suppressed: 'max_step' });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 6), ctx(), limits), { pass: true, hold: null });
});

test('rollbacks skip cooldown and caps but not the mode', () => {
  const busy = ctx({ mode: 'dry_run', lastActionAt: NOW, recentActions: Array(10).fill(NOW), recentTargetActions: Array(10).fill(NOW) });
  assert.deepEqual(checkGuardrails(plan('rollback', 8, 2), busy, limits), { pass: true, hold: 'dry_run' });
});

test('a traffic shift to the weights already in place changes nothing', () => {
  const p: PlannedAction = { ...plan('traffic_shift'), params: { fromWeights: { primary: 0.5, standby: 0.5 }, toWeights: { primary: 0.5, standby: 0.5 } } };
  assert.deepEqual(checkGuardrails(p, ctx(), limits), { pass: false, suppressed: 'no_change' });
});

test('capacity_ineffective holds scale-outs only, before every other guardrail', () => {
  const held = ctx({ capacityIneffective: true, lastActionAt: NOW });
  assert.deepEqual(checkGuardrails(plan('scale_out', 2, 4), held, limits), { pass: false, suppressed: 'capacity_ineffective' });
  assert.equal(checkGuardrails(plan('scale_in', 4, 3), ctx({ capacityIneffective: true }), limits).pass, true);
  assert.equal(checkGuardrails(plan('scale_out', 2, 4), ctx(), limits).pass, true);
});
