import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReactiveController, initialReactiveState, reactiveConfigSchema, reactiveStep, type ReactiveState } from '../../../remediator/reactive.ts';
import { point, MIN, T0 } from './fixtures.ts';

const config = reactiveConfigSchema.parse({});
const base = { sloP95Ms: 300, minReplicas: 4, maxReplicas: 20 };

/** Runs the policy over one window per minute; returns `minute:to` for each scaling. */
function drive(p95s: Array<number | null>, replicas0 = 4): string[] {
  let state: ReactiveState = initialReactiveState();
  let replicas = replicas0;
  const out: string[] = [];
  p95s.forEach((p95, m) => {
    const d = reactiveStep(state, { t: T0 + (m + 1) * MIN, p95, replicas, ...base }, config);
    state = d.state;
    if (d.toReplicas !== undefined) { out.push(`${m}:${d.toReplicas}`); replicas = d.toReplicas; }
  });
  return out;
}

test('defaults: two windows over the SLO, HPA target = SLO, 3-minute scale-out cooldown, 5-minute scale-in stabilisation', () => {
  assert.deepEqual(config, { breachWindows: 2, targetRatio: 1, tolerance: 0.1, scaleOutCooldownMs: 180_000, scaleInStabilisationMs: 300_000, scaleInBelow: 0.5 });
  assert.equal(reactiveConfigSchema.safeParse({ breachWindow: 2 }).success, false);
});

test('scales out only after breachWindows consecutive windows above the SLO, to ceil(current x observed / target)', () => {
  // One window over, then under: nothing. Two in a row at 450 ms: ceil(4 x 1.5) = 6.
  assert.deepEqual(drive([450, 200, 450, 450]), ['3:6']);
  // A window without latency holds: it neither counts nor resets.
  assert.deepEqual(drive([450, null, 450]), ['2:6']);
});

test('HPA tolerance: just over the SLO (within 10%) does not scale', () => {
  assert.deepEqual(drive([320, 320, 320]), []);
});

test('the step is capped like HPA scale-up: double or +4, whichever is more, and by maxReplicas', () => {
  // 3000 ms on 4 replicas asks for 40; HPA allows 8 per step.
  assert.deepEqual(drive([3000, 3000]), ['1:8']);
  let state = initialReactiveState();
  state = reactiveStep(state, { t: T0, p95: 3000, replicas: 16, ...base }, config).state;
  assert.equal(reactiveStep(state, { t: T0 + MIN, p95: 3000, replicas: 16, ...base }, config).toReplicas, 20);
});

test('cooldown: no second scale-out within scaleOutCooldownMs', () => {
  // Scaled at minute 1; still breaching at 2, 3 (cooling down), again allowed from minute 4.
  assert.deepEqual(drive([450, 450, 450, 450, 450, 450]), ['1:6', '4:9']);
});

test('scale-in: after a full stabilisation window well below the SLO, to the highest recommendation, never below min', () => {
  // Scaled to 6 at minute 1; from minute 2 p95 is 120 ms (< 150): recommendations ceil(6 x 0.4) = 3 -> min 4.
  const p95s = [450, 450, ...new Array<number>(8).fill(120)];
  assert.deepEqual(drive(p95s), ['1:6', '6:4']);
  // A window at 200 ms (not well below) inside the stabilisation window holds the scale-in.
  assert.deepEqual(drive([450, 450, 120, 120, 200, 120, 120, 120, 120, 120]), ['1:6', '9:4']);
});

test('the controller drives the replica control from closed windows', () => {
  const reps = new Map([['checkout', 4]]);
  const calls: string[] = [];
  const control = { scale: (s: string, n: number) => { calls.push(`${s} ${n}`); reps.set(s, n); }, replicas: (s: string) => reps.get(s) ?? 1 };
  const c = createReactiveController(config, { control, targetFor: (s) => (s === 'checkout' ? base : undefined) });
  c.handle([point('checkout', T0, 600), point('orders', T0, 900)], T0 + 3 * MIN);
  const out = c.handle([point('checkout', T0 + MIN, 600)], T0 + 4 * MIN);
  assert.deepEqual(out, [{ t: T0 + 4 * MIN, service: 'checkout', from: 4, to: 8, reason: 'p95 600 ms above SLO 300 ms for 2 windows' }]);
  assert.deepEqual(calls, ['checkout 8']);
});
