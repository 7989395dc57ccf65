/**
 * Guardrails: pure checks on a planned action, in a fixed order so the recorded reason is
 * stable. The first failing check suppresses the action:
 *
 *   capacity_ineffective → cooldown → hourly_cap → hourly_cap_target → max_replicas / min_replicas → max_step → no_change
 *
 * capacity_ineffective holds scale-outs on a target whose last scale-out was rolled back with
 * p95 still above the SLO: more replicas did not bring latency down (a slow dependency, an
 * outage), so adding more would only cost, until p95 is back within the target.
 *
 * The mode (dry_run / approval) is read first but never suppresses: it decides only whether
 * a passing action is executed or held as `planned`. Dry run therefore runs every other
 * guardrail, so its records show exactly what live mode would have done.
 *
 * Alerts change nothing, so only the mode applies to them; rollbacks restore a state we
 * know, so they skip cooldown and the hourly caps (but still count toward them).
 */
import type { RemediatorConfig } from './config.ts';
import type { PlannedAction, ResolvedPolicy } from './policy.ts';
import type { ActionMode } from './types.ts';

export const GUARDRAILS = ['capacity_ineffective', 'cooldown', 'hourly_cap', 'hourly_cap_target', 'max_replicas', 'min_replicas', 'max_step', 'no_change'] as const;
export type GuardrailName = (typeof GUARDRAILS)[number];

export type GuardrailVerdict =
  | { pass: true; hold: 'dry_run' | 'approval' | null }
  | { pass: false; suppressed: GuardrailName };

export const HOUR_MS = 3_600_000;

export interface GuardrailContext {
  mode: ActionMode;
  /** Event time of the decision. */
  now: number;
  /** Last action (any kind but alert) on this target. */
  lastActionAt: number | undefined;
  /** Event times of actions taken, all targets and this target. */
  recentActions: readonly number[];
  recentTargetActions: readonly number[];
  policy: ResolvedPolicy | undefined;
  /** A scale-out on this target failed to bring p95 under the SLO, and p95 has not recovered since. */
  capacityIneffective?: boolean;
}

type Limits = Pick<RemediatorConfig, 'cooldownMs' | 'maxActionsPerHour' | 'maxActionsPerHourPerTarget' | 'maxStepReplicas'>;

/** Actions in the sliding hour ending at `now` (event time, so replays match live). */
export function inLastHour(times: readonly number[], now: number): number {
  let n = 0;
  for (const t of times) if (t > now - HOUR_MS && t <= now) n++;
  return n;
}

function sameWeights(a: Record<string, number> | undefined, b: Record<string, number> | undefined): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  for (const k of keys) if (Math.abs((a?.[k] ?? 0) - (b?.[k] ?? 0)) > 1e-9) return false;
  return true;
}

function modeHold(mode: ActionMode, kind: PlannedAction['kind'], policy: ResolvedPolicy | undefined): 'dry_run' | 'approval' | null {
  if (mode === 'dry_run') return 'dry_run';
  // Alerts are announcements, not changes: nobody needs to approve them.
  if ((mode === 'approval' || policy?.approve) && kind !== 'alert') return 'approval';
  return null;
}

export function checkGuardrails(a: PlannedAction, ctx: GuardrailContext, limits: Limits): GuardrailVerdict {
  const hold = modeHold(ctx.mode, a.kind, ctx.policy);
  if (a.kind === 'alert') return { pass: true, hold };
  if (a.kind === 'scale_out' && ctx.capacityIneffective) return { pass: false, suppressed: 'capacity_ineffective' };

  if (a.kind !== 'rollback') {
    if (ctx.lastActionAt !== undefined && ctx.now - ctx.lastActionAt < limits.cooldownMs) return { pass: false, suppressed: 'cooldown' };
    if (inLastHour(ctx.recentActions, ctx.now) >= limits.maxActionsPerHour) return { pass: false, suppressed: 'hourly_cap' };
    if (inLastHour(ctx.recentTargetActions, ctx.now) >= limits.maxActionsPerHourPerTarget) return { pass: false, suppressed: 'hourly_cap_target' };
  }

  const { fromReplicas: from, toReplicas: to } = a.params;
  if (to !== undefined && from !== undefined) {
    const min = ctx.policy?.minReplicas ?? 0;
    const max = ctx.policy?.maxReplicas ?? Number.POSITIVE_INFINITY;
    if (to > from && to > max) return { pass: false, suppressed: 'max_replicas' };
    if (to < from && to < min) return { pass: false, suppressed: 'min_replicas' };
    // A scale-out that cannot add anything is blocked by the ceiling, a scale-in by the floor.
    if (to === from && a.kind === 'scale_out') return { pass: false, suppressed: from >= max ? 'max_replicas' : 'no_change' };
    if (to === from && a.kind === 'scale_in') return { pass: false, suppressed: from <= min ? 'min_replicas' : 'no_change' };
    if (a.kind !== 'rollback' && Math.abs(to - from) > limits.maxStepReplicas) return { pass: false, suppressed: 'max_step' };
    if (to === from) return { pass: false, suppressed: 'no_change' };
  }
  if (a.params.toWeights && sameWeights(a.params.fromWeights, a.params.toWeights)) return { pass: false, suppressed: 'no_change' };
  return { pass: true, hold };
}
