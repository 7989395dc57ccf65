// mathjs's number-only build: the same erf as the full bundle, at about half its import cost.
import { erf } from 'mathjs/number';
import type { Forecast } from '../types.ts';
import { quantileKey } from '../types.ts';
import type { Transform } from './transform.ts';

/**
 * Inverse of the standard normal CDF, for Gaussian intervals from a robust scale estimate:
 * Acklam's rational approximation (its tails are off by ~1e-5), refined by one Halley
 * step against mathjs's erf, which brings it to ~1e-15 for the levels we use.
 */
export function normalQuantile(p: number): number {
  // Every forecast of theil_sen and the reciprocal line asks for the same few levels.
  const known = zCache.get(p);
  if (known !== undefined) return known;
  const z = refinedQuantile(p);
  if (zCache.size < 64) zCache.set(p, z);
  return z;
}

const zCache = new Map<number, number>();

function refinedQuantile(p: number): number {
  const x = acklam(p);
  if (x === 0) return 0;
  const e = 0.5 * (1 + erf(x / Math.SQRT2)) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function acklam(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671010115819, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const pLow = 0.02425;
  if (p === 0.5) return 0;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - pLow) return -acklam(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/**
 * mathjs's `quantileSeq(sorted, p, true)` for numbers (R's type 7: linear between order
 * statistics), with the same arithmetic, so results are bit-identical, but without its
 * typed-function dispatch and the copy its flatten() makes on every call: at 1,000
 * services those were the top of the models stage's CPU profile (median, mad and the
 * residual quantiles, issue #16).
 */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const len = sorted.length;
  if (len === 0) throw new Error('Cannot calculate quantile of an empty sequence');
  const index = p * (len - 1);
  if (Number.isFinite(index) && index === Math.round(index)) return sorted[index] as number;
  const i = Math.floor(index);
  const f = index % 1;
  return (sorted[i] as number) * (1 - f) + (sorted[i + 1] as number) * f;
}

/**
 * Empirical quantiles of residuals, relative to their median, so a forecaster's point
 * forecast stays its median path and the interval keeps the residuals' skew.
 */
export function centredResidualQuantiles(residuals: readonly number[], quantiles: readonly number[]): number[] {
  if (residuals.length === 0) return quantiles.map(() => 0);
  const sorted = sortedCopy(residuals);
  const med = sortedQuantile(sorted, 0.5);
  return quantiles.map((q) => sortedQuantile(sorted, q) - med);
}

/** MAD of a normal sample is 0.6745 sigma: sigma = MAD_TO_SIGMA × MAD. */
export const MAD_TO_SIGMA = 1.482602218505602;

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = sortedCopy(values);
  const med = sortedQuantile(sorted, 0.5);
  const dev = sorted.map((v) => Math.abs(v - med)).sort();
  return sortedQuantile(dev, 0.5);
}

export function median(values: readonly number[]): number {
  return sortedQuantile(sortedCopy(values), 0.5);
}

/**
 * An ascending copy of finite numbers. A Float64Array's sort() compares numerically with no
 * comparator call per pair, unlike Array#sort((x, y) => x - y): the sorts for medians, MADs
 * and residual quantiles were ~9 % of the models stage's CPU (bench/models.ts 1000). The
 * order is the same for finite values (only -0 and 0, equal, may swap).
 */
function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

export interface PathSpec {
  origin: number;
  stepMs: number;
  steps: number;
  quantiles: readonly number[];
  forecaster: string;
  modelVersion: string;
  transform: Transform;
  anchorRaw: number;
  anchorZ: number;
  /** Per-step anchor [raw, z] when the point forecast copies a past observation. */
  anchorAt?: (h: number) => readonly [number, number] | undefined;
  /** Point forecast (median) at step h (1-based), in transformed space. */
  point: (h: number) => number;
  /** Offset of quantile index k at step h from the point, in transformed space. */
  offset: (h: number, k: number) => number;
}

/**
 * Assembles a Forecast in the original scale. Offsets must be non-decreasing in k; a
 * final sort per step guards the p10 <= p50 <= p90 order against rounding anyway.
 */
export function buildForecast(spec: PathSpec): Forecast {
  const paths: Record<string, number[]> = {};
  const keys = spec.quantiles.map(quantileKey);
  for (const k of keys) paths[k] = new Array<number>(spec.steps);
  const Q = spec.quantiles.length;
  const column = new Array<number>(Q);
  const cols = keys.map((k) => paths[k] as number[]);
  const { transform, anchorAt } = spec;
  for (let h = 1; h <= spec.steps; h++) {
    const p = spec.point(h);
    const at = anchorAt?.(h);
    const raw = at ? at[0] : spec.anchorRaw;
    const z = at ? at[1] : spec.anchorZ;
    for (let k = 0; k < Q; k++) {
      const v = transform.inverse(p + spec.offset(h, k), raw, z);
      // Insertion into the sorted prefix: a few quantiles, almost always in order already
      // (cheaper than Array#sort with a comparator on every step of every forecast).
      let j = k;
      while (j > 0 && (column[j - 1] as number) > v) { column[j] = column[j - 1] as number; j--; }
      column[j] = v;
    }
    for (let k = 0; k < Q; k++) (cols[k] as number[])[h - 1] = column[k] as number;
  }
  return {
    origin: spec.origin,
    stepMs: spec.stepMs,
    steps: spec.steps,
    quantiles: [...spec.quantiles],
    paths,
    forecaster: spec.forecaster,
    modelVersion: spec.modelVersion,
  };
}
