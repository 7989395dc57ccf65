/**
 * Did an action help? Pure judgement over the p95 samples seen since it, and the rule for
 * when capacity may be given back. No I/O, no clock: `now` is passed in (event time).
 */

export interface Sample {
  /** Window end (event time). */
  t: number;
  p95: number;
  /** Requests per minute in the window. */
  rate?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface VerifyInput {
  actionAt: number;
  now: number;
  warmupMs: number;
  verifyWindowMs: number;
  verifyAfterMs: number;
  sloP95Ms: number;
  samples: readonly Sample[];
  /** Latest event time a breach was predicted for the service. */
  lastBreachAt: number | undefined;
}

export type Verdict = { outcome: 'wait' } | { outcome: 'verified' | 'failed'; detail: string; /** Median p95 judged, when any was measured. */ p95?: number };

/**
 * Verified as soon as a full evidence window after warmup shows the median p95 under the
 * SLO and no breach predicted in it: the median, because one slow window in a healthy run is
 * not a failure, and the forecast, because a p95 that is fine now while a breach is still
 * predicted means the action has not yet bought enough. Failed if that never happens by
 * `actionAt + verifyAfterMs`.
 */
export function judge(v: VerifyInput): Verdict {
  const readyAt = v.actionAt + v.warmupMs;
  const dueAt = v.actionAt + v.verifyAfterMs;
  const from = Math.max(readyAt, v.now - v.verifyWindowMs);
  const window = v.samples.filter((s) => s.t > from && s.t <= v.now).map((s) => s.p95);
  const breachPredicted = v.lastBreachAt !== undefined && v.lastBreachAt > from && v.lastBreachAt <= v.now;
  const evidenceComplete = v.now >= readyAt + v.verifyWindowMs;

  if (evidenceComplete && window.length > 0) {
    const p95 = median(window);
    const fmt = `median p95 ${+p95.toFixed(1)} ms over ${window.length} windows vs SLO ${v.sloP95Ms} ms`;
    if (p95 <= v.sloP95Ms && !breachPredicted) return { outcome: 'verified', detail: fmt, p95 };
    if (v.now >= dueAt) return { outcome: 'failed', detail: breachPredicted && p95 <= v.sloP95Ms ? `${fmt}; breach still predicted` : fmt, p95 };
    return { outcome: 'wait' };
  }
  if (v.now >= dueAt) return { outcome: 'failed', detail: `no latency measured in the ${v.verifyWindowMs} ms before verification` };
  return { outcome: 'wait' };
}

/**
 * Whether the target has headroom to give back `step` of `replicas`: under the same
 * load-per-replica model as scale-out sizing, p95 after scale-in is p95 × r / (r − step),
 * and it must stay within the scale-out target. A traffic restore (no replicas) just needs
 * p95 within that target.
 */
export function hasHeadroom(p95: number, slo: number, targetUtilisation: number, replicas?: number, step?: number): boolean {
  const limit = slo * targetUtilisation;
  if (replicas === undefined || step === undefined) return p95 <= limit;
  if (replicas - step <= 0) return false;
  return (p95 * replicas) / (replicas - step) <= limit;
}
