import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { RingBuffer, TransformedWindow } from './ring.ts';
import { MAD_TO_SIGMA } from './quantiles.ts';
import { reciprocalLineForecast } from './reciprocal-line.ts';
import { getTransform } from './transform.ts';
import { DEFAULT_LEVEL_SHIFT, levelShifts } from './level-shift.ts';

export interface LoadCurveOptions {
  stepMs: number;
  /** Observations (with throughput) needed before it forecasts. */
  minHistory: number;
  /** Points the load→latency curve is fitted on: long enough to span quiet and busy load. */
  curveWindow: number;
  /** Points the throughput trend is fitted on: the current ramp, not the whole history. */
  trendWindow: number;
  /** The throughput slope must be at least this many standard errors above 0. */
  minTrendT: number;
  /** The curve's slope (1/p95 per request) must be at least this many standard errors below 0. */
  minCurveT: number;
}

/**
 * History it needs before the curve means anything: fewer points rarely span enough load
 * to tell a curve from noise. Measured on the leadtime suite with this value.
 */
export const LOAD_CURVE_MIN_HISTORY = 30;

/**
 * Residuals of the curve at the newest points are a level correction: the curve is fitted
 * over two hours and lags a change of service time (a deploy, a slow dependency), while
 * the median of the last few residuals says where the service sits on it now.
 */
const RECENT_POINTS = 10;

/**
 * Load-driven saturation forecast, for breach detection only: it predicts p95 from where
 * the throughput is heading, not from where the latency is heading.
 *
 * Why: in a traffic surge or a diurnal peak, p95 ≈ s/(1 − λ/λmax) stays nearly flat until
 * utilisation is ~0.85 and then blows up within minutes, so a trend of latency alone (the
 * saturation forecaster) sees the blow-up only once it has begun. The load ramps clearly
 * long before. Queueing makes 1/p95 roughly linear in the throughput λ (it reaches 0 at
 * λmax), so a line through (λ, 1/p95) over the last `curveWindow` points, evaluated at the
 * throughput's own trend, maps the visible load ramp to the latency it will cause.
 *
 * Both lines are Theil–Sen (median of pairwise slopes): a burst or an outage minute does
 * not bend them. It forecasts nothing (null) unless both say so with evidence: the load
 * slope over the last `trendWindow` points at least `minTrendT` standard errors above 0
 * (a flat or falling load predicts no blow-up, and the other forecasters cover the rest),
 * and the curve's slope at least `minCurveT` standard errors below 0 (latency that does
 * not respond to load, e.g. a service bound by a dependency, has no load curve to follow).
 * The t-ratios assume independent residuals, which minute data are not; the thresholds are
 * set high for that reason (see DEFAULT_MIN_SLOPE_T in saturation.ts).
 *
 * The curve belongs to one capacity: a scale-out (or a deploy) is a step in 1/p95 at the
 * same load, so the curve is fitted only after the last level shift (level-shift.ts) and
 * nothing is forecast until `trendWindow` points of the new curve exist. Fitted across the
 * step, the old capacity's curve kept predicting the blow-up the scale-out had averted, and
 * the re-raised detections over-provisioned (leadtime suite, own seed: replica-minutes
 * 1.105× reactive with the old curve, 1.084× without it).
 *
 * Quantiles: Gaussian in 1/p95 from the MAD of the curve's residuals, widened like a
 * least-squares prediction interval at the forecast load, then mapped back; a path that
 * reaches 0 (λ past λmax) is capped at RECIPROCAL_MAX_FACTOR times the current level, as
 * in saturation.ts. The trend's own uncertainty is not added: the t gate already requires
 * it to be small against the slope.
 *
 * Pairwise slopes of the curve are ~n²/2 per forecast (7,140 at 120 points); their medians
 * are taken by selection on a typed array, not by sorting boxed numbers, so a forecast
 * costs well under a millisecond.
 */
export class LoadCurveForecaster implements Forecaster {
  readonly name = 'load_curve';
  readonly version = '1';
  private readonly w: TransformedWindow;
  private readonly load: RingBuffer;

  constructor(private readonly opts: LoadCurveOptions) {
    if (opts.trendWindow > opts.curveWindow) throw new RangeError(`trendWindow (${opts.trendWindow}) must not exceed curveWindow (${opts.curveWindow})`);
    this.w = new TransformedWindow(getTransform('reciprocal'), opts.curveWindow);
    this.load = new RingBuffer(opts.curveWindow);
  }

  observe(point: SeriesPoint): void {
    // A window without a load figure says nothing about the curve; it is left out whole so
    // the two buffers stay aligned.
    const tp = point.throughput;
    if (tp === undefined || !Number.isFinite(tp) || !Number.isFinite(point.value)) return;
    this.w.observe(point);
    this.load.push(tp);
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    const n = this.load.length;
    if (this.w.seen < this.opts.minHistory || n < this.opts.trendWindow || n < 3 || steps < 1) return null;
    const lam = this.load.toArray();
    const zs = this.w.values.toArray();

    const trend = loadTrend(lam.slice(n - this.opts.trendWindow));
    if (!trend || !(trend.slope > 0) || trend.t < this.opts.minTrendT) return null;
    const lam0 = trend.level;

    // A step in 1/p95 (a scale-out, a deploy) moves the service onto another curve: the
    // old capacity's points would keep predicting the blow-up the scale-out just averted.
    const shifts = levelShifts(zs, DEFAULT_LEVEL_SHIFT);
    const from = shifts[shifts.length - 1] ?? 0;
    if (n - from < this.opts.trendWindow) return null;
    const curve = curveFit(lam.slice(from), zs.slice(from));
    if (curve === null) return null;
    const curveT = tRatio(-curve.slope, curve.sigma, curve.sxx);
    if (!(curve.slope < 0) || curveT < this.opts.minCurveT) return null;

    const c = curve.residuals.length;
    const recent = Float64Array.from(curve.residuals.subarray(c - Math.min(RECENT_POINTS, c)));
    const fitted = curve.intercept + curve.slope * lam0 + selectMedian(recent);
    // At or below 0 the curve says the service is already past saturation; the path then
    // starts at the last observation, where the service is.
    return reciprocalLineForecast(this, this.w, {
      level: fitted,
      slopePerStep: curve.slope * trend.slope,
      sd: (h) => {
        const dx = lam0 + trend.slope * h - curve.meanLoad;
        return curve.sigma * Math.sqrt(1 + 1 / c + (dx * dx) / curve.sxx);
      },
    }, this.opts.stepMs, steps, quantiles);
  }
}

/** Slope over its standard error; a noiseless line is infinitely certain. */
function tRatio(slope: number, sigma: number, sxx: number): number {
  if (!(sxx > 0)) return 0;
  return sigma > 0 ? (slope * Math.sqrt(sxx)) / sigma : slope > 0 ? Infinity : 0;
}

interface LineFit {
  intercept: number;
  slope: number;
  /** Residuals in observation order. */
  residuals: Float64Array;
  sigma: number;
}

/**
 * Theil–Sen line of `ys` on `xs`; null when x never varies. Pairs with equal x (a load count
 * that repeats) carry no slope information and are skipped.
 */
function lineFit(xs: ArrayLike<number>, ys: ArrayLike<number>): LineFit | null {
  const n = xs.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const xi = xs[i] as number;
    const yi = ys[i] as number;
    for (let j = i + 1; j < n; j++) {
      const dx = (xs[j] as number) - xi;
      if (Math.abs(dx) > 1e-9) slopes[k++] = ((ys[j] as number) - yi) / dx;
    }
  }
  if (k === 0) return null;
  const slope = selectMedian(slopes.subarray(0, k));
  const shifted = new Float64Array(n);
  for (let i = 0; i < n; i++) shifted[i] = (ys[i] as number) - slope * (xs[i] as number);
  const intercept = selectMedian(shifted);
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = (ys[i] as number) - intercept - slope * (xs[i] as number);
  return { intercept, slope, residuals, sigma: MAD_TO_SIGMA * madInPlace(Float64Array.from(residuals)) };
}

/**
 * The load's Theil–Sen trend on the observation index: slope, fitted value at the newest
 * point and t-ratio (MAD-based sigma). Shared with queue_curve, whose gate is the same.
 */
export function loadTrend(ys: readonly number[]): { slope: number; level: number; t: number } | null {
  const fit = lineFit(Float64Array.from(ys, (_, i) => i), ys);
  if (!fit) return null;
  const n = ys.length;
  return { slope: fit.slope, level: fit.intercept + fit.slope * (n - 1), t: tRatio(fit.slope, fit.sigma, (n * (n * n - 1)) / 12) };
}

/** The load→latency line (1/p95 on load), with the load's mean and spread for its intervals. */
function curveFit(lam: readonly number[], zs: readonly number[]): (LineFit & { meanLoad: number; sxx: number }) | null {
  const fit = lineFit(lam, zs);
  if (!fit) return null;
  let mean = 0;
  for (const x of lam) mean += x;
  mean /= lam.length;
  let sxx = 0;
  for (const x of lam) sxx += (x - mean) ** 2;
  return { ...fit, meanLoad: mean, sxx };
}

/** Median absolute deviation from the median; reorders `a`. */
export function madInPlace(a: Float64Array): number {
  if (a.length === 0) return 0;
  const med = selectMedian(a);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs((a[i] as number) - med);
  return selectMedian(a);
}

/**
 * Median by quickselect (O(n) on average); reorders `a`. Even lengths average the two
 * middle values the way mathjs's quantileSeq does, so it agrees with `median` in quantiles.ts.
 */
export function selectMedian(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const k = (n - 1) >> 1;
  const left = select(a, k);
  if (n % 2 === 1) return left;
  // After selection everything past k is >= a[k]; the upper middle is their minimum.
  let right = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < n; i++) if ((a[i] as number) < right) right = a[i] as number;
  return left * 0.5 + right * 0.5;
}

/** k-th smallest (0-based), Hoare partitioning around a median-of-three pivot. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const zz = a[hi] as number;
    const pivot = x < y ? (y < zz ? y : x < zz ? zz : x) : (x < zz ? x : y < zz ? zz : y);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}
