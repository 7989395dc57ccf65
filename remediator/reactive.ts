/**
 * The reactive baseline: what teams run today (Kubernetes HPA or KEDA on a latency metric).
 * It only sees the current window: once the observed p95 has been above the SLO for
 * `breachWindows` consecutive windows it scales to HPA's `ceil(current × observed / target)`
 * (capped like HPA's default scale-up policy: double or +4 per step), then waits `scaleOutCooldownMs` (longer than the warm-up, so it measures what it added
 * before adding more). It gives capacity back like HPA's scale-down stabilisation: to the
 * highest recommendation of the last `scaleInStabilisationMs`, and only when every window
 * in it was well below the SLO.
 *
 * `reactiveStep` is pure; `createReactiveController` feeds it closed windows and drives a
 * replica actuator. `foresight eval leadtime` runs it as the `reactive` arm.
 */
import { z } from 'zod';
import type { MetricPoint } from '../ingest/types.ts';

const MINUTE = 60_000;

export const reactiveConfigSchema = z.object({
  /** Consecutive windows with p95 above the SLO before scaling out (HPA reacts to a sustained metric). */
  breachWindows: z.number().int().min(1).default(2),
  /** HPA's target metric value, as a share of the SLO. */
  targetRatio: z.number().gt(0).max(1).default(1),
  /** HPA's tolerance: no change while |observed / target − 1| is within it. */
  tolerance: z.number().min(0).lt(1).default(0.1),
  /** After a scale-out, no other until this has passed. */
  scaleOutCooldownMs: z.number().int().min(0).default(3 * MINUTE),
  /** HPA's scale-down stabilisation window (default 5 minutes there too). */
  scaleInStabilisationMs: z.number().int().min(0).default(5 * MINUTE),
  /** Scale in only while p95 stays below this share of the SLO. */
  scaleInBelow: z.number().gt(0).lt(1).default(0.5),
}).strict();

export type ReactiveConfig = z.infer<typeof reactiveConfigSchema>;

export interface ReactiveState {
  /** Consecutive windows above the SLO. */
  over: number;
  lastScaleOutAt: number | undefined;
  lastScaleAt: number | undefined;
  /** Scale-in recommendations inside the stabilisation window (oldest first). */
  recommendations: Array<{ t: number; replicas: number; low: boolean }>;
}

export function initialReactiveState(): ReactiveState {
  return { over: 0, lastScaleOutAt: undefined, lastScaleAt: undefined, recommendations: [] };
}

export interface ReactiveInput {
  /** End of the window (decisions and cooldowns follow window time). */
  t: number;
  /** Observed p95 of the window; null when it had no latency. */
  p95: number | null;
  /** Replicas as the scale subresource reports them (ready + pending). */
  replicas: number;
  sloP95Ms: number;
  minReplicas: number;
  maxReplicas: number;
}

export interface ReactiveDecision {
  state: ReactiveState;
  /** Replicas to scale to; undefined for no change. */
  toReplicas: number | undefined;
  reason: string;
}

export function reactiveStep(prev: ReactiveState, x: ReactiveInput, c: ReactiveConfig): ReactiveDecision {
  const target = x.sloP95Ms * c.targetRatio;
  const state: ReactiveState = { ...prev, recommendations: prev.recommendations.filter((r) => r.t > x.t - c.scaleInStabilisationMs) };
  if (x.p95 === null) {
    // No measurement: HPA holds its last decision.
    return { state, toReplicas: undefined, reason: 'no latency in window' };
  }
  const ratio = x.p95 / target;
  const raw = Math.ceil(x.replicas * ratio - 1e-9);
  state.over = x.p95 > x.sloP95Ms ? prev.over + 1 : 0;
  state.recommendations.push({ t: x.t, replicas: Math.max(x.minReplicas, raw), low: x.p95 < c.scaleInBelow * x.sloP95Ms });

  if (state.over >= c.breachWindows && ratio > 1 + c.tolerance) {
    const coolingDown = prev.lastScaleOutAt !== undefined && x.t - prev.lastScaleOutAt < c.scaleOutCooldownMs;
    // HPA's default scale-up policy: at most double, or add 4, whichever is more, per step.
    const to = Math.min(x.maxReplicas, Math.max(2 * x.replicas, x.replicas + 4), Math.max(x.replicas + 1, raw));
    if (coolingDown || to <= x.replicas) return { state, toReplicas: undefined, reason: coolingDown ? 'scale-out cooldown' : 'at max replicas' };
    state.lastScaleOutAt = x.t;
    state.lastScaleAt = x.t;
    state.over = 0;
    return { state, toReplicas: to, reason: `p95 ${x.p95.toFixed(0)} ms above SLO ${x.sloP95Ms} ms for ${c.breachWindows} windows` };
  }

  // Scale-in needs a full stabilisation window of low windows since the last change.
  const since = prev.lastScaleAt ?? Number.NEGATIVE_INFINITY;
  const recs = state.recommendations;
  const full = recs.length > 0 && x.t - since >= c.scaleInStabilisationMs && recs[0]!.t <= x.t - c.scaleInStabilisationMs + windowSpan(recs);
  if (!full || !recs.every((r) => r.low)) return { state, toReplicas: undefined, reason: 'hold' };
  const to = Math.max(x.minReplicas, ...recs.map((r) => r.replicas));
  if (to >= x.replicas || ratio >= 1 - c.tolerance) return { state, toReplicas: undefined, reason: 'hold' };
  state.lastScaleAt = x.t;
  return { state, toReplicas: to, reason: `p95 below ${c.scaleInBelow} of SLO for the stabilisation window` };
}

/** Spacing of the recommendations (one window), so "full" tolerates the first window's offset. */
function windowSpan(recs: ReactiveState['recommendations']): number {
  return recs.length > 1 ? recs[1]!.t - recs[0]!.t : 0;
}

export interface ReplicaControl {
  scale(service: string, toReplicas: number): unknown;
  replicas(service: string): number;
}

export interface ReactiveTarget {
  sloP95Ms: number;
  minReplicas: number;
  maxReplicas: number;
}

export interface ReactiveAction {
  t: number;
  service: string;
  from: number;
  to: number;
  reason: string;
}

export interface ReactiveController {
  /** Feeds closed windows, known at `now`; decisions follow window time, actions are stamped `now`. */
  handle(points: readonly MetricPoint[], now: number): ReactiveAction[];
  readonly actions: ReactiveAction[];
}

export function createReactiveController(
  config: ReactiveConfig,
  deps: { control: ReplicaControl; targetFor: (service: string) => ReactiveTarget | undefined },
): ReactiveController {
  const states = new Map<string, ReactiveState>();
  const actions: ReactiveAction[] = [];
  return {
    actions,
    handle(points, now) {
      const out: ReactiveAction[] = [];
      for (const p of points) {
        const target = deps.targetFor(p.service);
        if (!target) continue;
        const replicas = deps.control.replicas(p.service);
        const d = reactiveStep(states.get(p.service) ?? initialReactiveState(), {
          t: p.windowStart + p.windowMs, p95: p.latency?.p95 ?? null, replicas, ...target,
        }, config);
        states.set(p.service, d.state);
        if (d.toReplicas === undefined) continue;
        deps.control.scale(p.service, d.toReplicas);
        const a = { t: now, service: p.service, from: replicas, to: d.toReplicas, reason: d.reason };
        out.push(a);
        actions.push(a);
      }
      return out;
    },
  };
}
