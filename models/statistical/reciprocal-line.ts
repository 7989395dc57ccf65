import type { Forecast, Forecaster } from '../types.ts';
import type { TransformedWindow } from './ring.ts';
import { buildForecast, normalQuantile } from './quantiles.ts';
import { RECIPROCAL_MAX_FACTOR } from './transform.ts';

export interface ReciprocalLine {
  /** Fitted 1/p95 now; at or below 0 (already saturated) the newest observation anchors instead. */
  level: number;
  /** Change of 1/p95 per forecast step. */
  slopePerStep: number;
  /** Standard deviation of 1/p95 around the line at step h (prediction interval, widening as it extrapolates). */
  sd: (h: number) => number;
}

/**
 * The quantile paths of a straight line in 1/p95, shared by the saturation and load-curve
 * forecasters: Gaussian bands in 1/p95 mapped back to latency (the map is decreasing, so
 * the low band of 1/p95 is the high band of latency), and a path that reaches 0 (saturation)
 * capped at RECIPROCAL_MAX_FACTOR times the level, with its bands clamped there too so they
 * stay ordered.
 */
export function reciprocalLineForecast(f: Pick<Forecaster, 'name' | 'version'>, w: TransformedWindow, line: ReciprocalLine, stepMs: number, steps: number, quantiles: readonly number[]): Forecast {
  const anchorY = line.level > 0 ? line.level : w.lastZ;
  const z = quantiles.map((q) => (q === 0.5 ? 0 : normalQuantile(q)));
  const floorY = anchorY / RECIPROCAL_MAX_FACTOR;
  return buildForecast({
    origin: w.lastT,
    stepMs,
    steps,
    quantiles,
    forecaster: f.name,
    modelVersion: `${f.name}@${f.version}`,
    transform: w.transform,
    anchorRaw: w.rawOf(anchorY),
    anchorZ: anchorY,
    point: (h) => Math.max(anchorY + line.slopePerStep * h, floorY),
    offset: (h, k) => (z[k] ?? 0) * line.sd(h),
  });
}
