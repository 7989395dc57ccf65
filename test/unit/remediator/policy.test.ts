import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemediatorConfig, servicePolicySchema } from '../../../remediator/config.ts';
import { peakAfter, planAction, resolvePolicy, sizeScaleOut } from '../../../remediator/policy.ts';
import { anomaly, breach, MIN, T0 } from './fixtures.ts';

const cfg = parseRemediatorConfig({});
const policy = resolvePolicy('checkout', servicePolicySchema.parse({ sloP95Ms: 500, maxReplicas: 10 }), cfg);
const view = { replicas: 2, weights: { primary: 1, standby: 0 } };

test('peak forecast counts only from when new capacity is ready', () => {
  assert.equal(peakAfter([900, 400, 450], 0, 60, 120), 450);
  assert.equal(peakAfter([900, 400, 450], 0, 60, 0), 900);
  // Horizon shorter than warmup: the last step is the best guess.
  assert.equal(peakAfter([900, 400, 450], 0, 60, 10_000), 450);
  assert.equal(peakAfter([], 0, 60, 0), undefined);
});

test('scale-out sizing aims the forecast peak at targetUtilisation of the SLO, clamped', () => {
  const base = { current: 2, upper: [700], origin: 0, stepMs: 60, readyAt: 0, slo: 500, targetUtilisation: 0.7, maxStep: 4, maxReplicas: 10 };
  assert.equal(sizeScaleOut(base), 4); // 2 × 700 / 350 = 4 exactly
  assert.equal(sizeScaleOut({ ...base, upper: [701] }), 5);
  assert.equal(sizeScaleOut({ ...base, upper: [2000] }), 6); // wants 12, maxStep 4
  assert.equal(sizeScaleOut({ ...base, upper: [2000], maxStep: 20 }), 10); // maxReplicas
  assert.equal(sizeScaleOut({ ...base, upper: [300] }), 3); // a breach is predicted: at least one
  assert.equal(sizeScaleOut({ ...base, upper: [] }), 3);
  assert.equal(sizeScaleOut({ ...base, current: 10, upper: [2000] }), 10);
});

test('a predicted breach plans a sized scale-out with its reason', () => {
  const a = planAction(breach('checkout', T0), policy, view, cfg);
  assert.equal(a.kind, 'scale_out');
  assert.deepEqual(a.params, { fromReplicas: 2, toReplicas: 6 });
  assert.equal(a.at, T0);
  assert.deepEqual(a.reason, {
    detectionId: breach('checkout', T0).id, detectionKind: 'predicted_breach', score: 0.9, leadTimeMs: 2 * MIN,
    evidence: 'predicted_breach latency_p95 score=0.90 threshold=500; breach at 2026-01-01T12:02:00.000Z; p95=420',
  });
});

test('anomalies, and services without a policy, only alert', () => {
  assert.equal(planAction(anomaly('checkout', T0), policy, view, cfg).kind, 'alert');
  const noPolicy = planAction(breach('search', T0), undefined, view, cfg);
  assert.equal(noPolicy.kind, 'alert');
  assert.equal(noPolicy.target, 'search');
});

test('traffic shift moves shiftShare to the standby', () => {
  const p = resolvePolicy('checkout', servicePolicySchema.parse({ sloP95Ms: 500, action: 'traffic_shift', shiftShare: 0.25, target: 'checkout-lb' }), cfg);
  const a = planAction(breach('checkout', T0), p, view, cfg);
  assert.equal(a.target, 'checkout-lb');
  assert.deepEqual(a.params, { fromWeights: { primary: 1, standby: 0 }, toWeights: { primary: 0.75, standby: 0.25 } });
});
