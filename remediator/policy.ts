/**
 * From a Detection to a planned action. Pure: no I/O, no clock; the caller passes what the
 * target looks like now.
 *
 * Sizing assumes latency is load-driven, so p95 scales with load per replica. If the forecast
 * says p95 will peak at `peak` against an SLO of `slo`, serving it at `targetUtilisation × slo`
 * takes `current × peak / (slo × targetUtilisation)` replicas. Only the forecast from the
 * moment new capacity is ready (warmup) counts: before that nothing we add can help.
 */
import type { Detection } from '../detector/types.ts';
import type { RemediatorConfig, ServicePolicy } from './config.ts';
import type { ActionKind, ActionParams, ActionReason } from './types.ts';

export interface ResolvedPolicy {
  action: 'scale_out' | 'traffic_shift';
  target: string;
  minReplicas: number;
  maxReplicas: number;
  shiftShare: number;
  sloP95Ms: number;
  rollback: boolean;
  approve: boolean;
}

export function resolvePolicy(service: string, p: ServicePolicy, c: RemediatorConfig): ResolvedPolicy {
  return {
    action: p.action,
    target: p.target ?? service,
    minReplicas: p.minReplicas ?? c.minReplicas,
    maxReplicas: p.maxReplicas ?? c.maxReplicas,
    shiftShare: p.shiftShare,
    sloP95Ms: p.sloP95Ms,
    rollback: p.rollback,
    approve: p.approve,
  };
}

export interface PlannedAction {
  kind: ActionKind;
  service: string;
  target: string;
  params: ActionParams;
  reason: ActionReason;
  /** Event time the decision belongs to (the detection's window). */
  at: number;
}

/** What the target looks like when the detection arrives. */
export interface TargetView {
  replicas: number;
  weights: Record<string, number>;
}

export const PRIMARY_ONLY: Readonly<Record<string, number>> = Object.freeze({ primary: 1, standby: 0 });

export interface SizingInput {
  current: number;
  /** Upper-quantile forecast path, step h at `origin + (h + 1) × stepMs`. */
  upper: readonly number[];
  origin: number;
  stepMs: number;
  /** When the new capacity would be ready (decision time + warmup). */
  readyAt: number;
  slo: number;
  targetUtilisation: number;
  maxStep: number;
  maxReplicas: number;
}

/** Highest upper-quantile value from `readyAt` on; the last step if the horizon ends sooner. */
export function peakAfter(upper: readonly number[], origin: number, stepMs: number, readyAt: number): number | undefined {
  let peak: number | undefined;
  for (let h = 0; h < upper.length; h++) {
    const v = upper[h];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (origin + (h + 1) * stepMs < readyAt) continue;
    peak = peak === undefined ? v : Math.max(peak, v);
  }
  return peak ?? upper.findLast((v) => Number.isFinite(v));
}

/** Replicas to scale to. Always adds at least one (we were told a breach is coming), at most maxStep. */
export function sizeScaleOut(s: SizingInput): number {
  const peak = peakAfter(s.upper, s.origin, s.stepMs, s.readyAt);
  let add = 1;
  if (peak !== undefined && s.slo > 0) {
    const needed = Math.ceil((s.current * peak) / (s.slo * s.targetUtilisation) - 1e-9);
    add = Math.max(1, needed - s.current);
  }
  add = Math.min(add, s.maxStep);
  return Math.max(s.current, Math.min(s.current + add, s.maxReplicas));
}

function summarise(d: Detection): string {
  const parts = [`${d.kind} ${d.metric} score=${d.score.toFixed(2)} threshold=${d.threshold}`];
  if (d.predictedBreachAt !== undefined) parts.push(`breach at ${new Date(d.predictedBreachAt).toISOString()}`);
  for (const [k, v] of Object.entries(d.evidence).slice(0, 4)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') parts.push(`${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`);
  }
  return parts.join('; ');
}

export function reasonOf(d: Detection): ActionReason {
  const r: ActionReason = { detectionId: d.id, detectionKind: d.kind, score: d.score, evidence: summarise(d) };
  if (d.leadTimeMs !== undefined) r.leadTimeMs = d.leadTimeMs;
  const ids = d.evidence.templateIds;
  if (Array.isArray(ids) && ids.length > 0 && ids.every((x) => typeof x === 'string')) r.templateIds = [...(ids as string[])];
  return r;
}

/**
 * Only a predicted breach moves capacity or traffic; anomalies and log patterns (and any
 * detection for a service without a policy) become alerts, because an unexplained change
 * is not evidence that more capacity would help.
 */
export function planAction(
  d: Detection,
  policy: ResolvedPolicy | undefined,
  view: TargetView,
  c: Pick<RemediatorConfig, 'warmupMs' | 'targetUtilisation' | 'maxStepReplicas'>,
): PlannedAction {
  const base = { service: d.service, reason: reasonOf(d), at: d.at };
  if (d.kind !== 'predicted_breach' || !policy) {
    return { ...base, kind: 'alert', target: policy?.target ?? d.service, params: {} };
  }
  if (policy.action === 'traffic_shift') {
    const toWeights = { primary: +(1 - policy.shiftShare).toFixed(6), standby: policy.shiftShare };
    return { ...base, kind: 'traffic_shift', target: policy.target, params: { fromWeights: { ...view.weights }, toWeights } };
  }
  const f = d.forecast;
  const slo = d.threshold > 0 ? d.threshold : policy.sloP95Ms;
  const toReplicas = sizeScaleOut({
    current: view.replicas,
    upper: f?.upper ?? [],
    origin: f?.origin ?? d.at,
    stepMs: f?.stepMs ?? 0,
    readyAt: d.at + c.warmupMs,
    slo,
    targetUtilisation: c.targetUtilisation,
    maxStep: c.maxStepReplicas,
    maxReplicas: policy.maxReplicas,
  });
  return { ...base, kind: 'scale_out', target: policy.target, params: { fromReplicas: view.replicas, toReplicas } };
}
