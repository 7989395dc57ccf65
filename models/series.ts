import type { MetricPoint } from '../ingest/types.ts';
import type { SeriesPoint } from './types.ts';

/**
 * Share of a window's lines at warn level or above; 0 for an empty window. Lines, not
 * requests: `count` weighs sampled lines by 1 / sample_rate, `levels` counts lines.
 */
export function warnRateOf(p: MetricPoint): number {
  let lines = 0;
  for (const v of Object.values(p.levels)) lines += v ?? 0;
  if (lines <= 0) return 0;
  const n = (p.levels.warn ?? 0) + (p.levels.error ?? 0) + (p.levels.fatal ?? 0);
  return Math.min(n / lines, 1);
}

/** The forecast series of a closed window: its p95 latency, with load, errors and warnings as covariates. */
export function toSeriesPoint(p: MetricPoint): SeriesPoint | null {
  const p95 = p.latency?.p95;
  if (p95 === undefined || !Number.isFinite(p95)) return null;
  return { t: p.windowStart, value: p95, throughput: p.count, errorRate: p.errorRate, warnRate: warnRateOf(p) };
}

/** Per-service series in window order; windows without latency and repeated windows are skipped. */
export function collectSeries(points: Iterable<MetricPoint>): Map<string, SeriesPoint[]> {
  const out = new Map<string, SeriesPoint[]>();
  for (const p of points) {
    const sp = toSeriesPoint(p);
    if (!sp) continue;
    let s = out.get(p.service);
    if (!s) { s = []; out.set(p.service, s); }
    const last = s[s.length - 1];
    if (last && sp.t <= last.t) continue;
    s.push(sp);
  }
  return out;
}

/**
 * Splits a series where a window is missing: the TF.js model reads consecutive points
 * as consecutive steps, so it trains only on runs without gaps.
 */
export function contiguousRuns(series: readonly SeriesPoint[], stepMs: number): SeriesPoint[][] {
  const runs: SeriesPoint[][] = [];
  let cur: SeriesPoint[] = [];
  for (const p of series) {
    const last = cur[cur.length - 1];
    if (last && p.t - last.t !== stepMs) { runs.push(cur); cur = []; }
    cur.push(p);
  }
  if (cur.length > 0) runs.push(cur);
  return runs;
}
