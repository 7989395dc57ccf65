import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { RingBuffer } from './ring.ts';
import { MAD_TO_SIGMA, buildForecast, normalQuantile } from './quantiles.ts';
import { getTransform, RECIPROCAL_MAX_FACTOR } from './transform.ts';
import { DEFAULT_LEVEL_SHIFT, levelShifts } from './level-shift.ts';
import { loadTrend, madInPlace, selectMedian } from './load-curve.ts';

export interface QueueCurveOptions {
  stepMs: number;
  /** Observations (with throughput) needed before it forecasts. */
  minHistory: number;
  /** Points the load→latency curve is fitted on. */
  curveWindow: number;
  /** Points the throughput trend is fitted on: the current ramp. */
  trendWindow: number;
  /** The throughput slope must be at least this many standard errors above 0. */
  minTrendT: number;
  /** The queueing term's coefficient must be at least this many standard errors above 0. */
  minCurveT: number;
  /**
   * Steps the load's trend is extrapolated; past them the load is held. A surge is a ramp of
   * tens of minutes, a daily rise flattens at its peak: a trend carried over the whole
   * horizon walks a morning's rise past the day's peak.
   */
  loadHorizon: number;
  /**
   * Curves whose weighted error is within this many residual variances of the best fit
   * count as plausible; the forecast follows the most optimistic of them. 0: the best fit only.
   */
  plausibleChi2: number;
}

/**
 * Queue sizes the curve's shape is fitted over (the `c` of M/M/c). One server is the M/M/1
 * hyperbola, which rises from low load on; many servers stay flat and then turn sharply.
 */
export const QUEUE_SHAPES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16];
/** Capacities tried, as multiples of the highest load in the fitted window (geometric grid). */
const CAPACITY_MIN = 1.02;
const CAPACITY_MAX = 6;
const CAPACITY_POINTS = 48;
/** Utilisation past which the steady-state curve no longer holds: the path is capped there. */
const RHO_CAP = 0.98;
/** Newest residuals that set the level correction (as in load-curve.ts). */
const RECENT_POINTS = 10;
/** Points with a relative residual beyond this many sigmas are dropped for the refit (bursts, GC pauses). */
const TRIM_SIGMAS = 4;
/** Range of κ in weight = κ·base/c (see gridFit): the p95's rise over the mean queueing delay's. */
const KAPPA_MIN = 0.5;
const KAPPA_MAX = 4;

/** The queueing factor of Sakasegawa's M/M/c approximation, without its 1/c: ρ^(√(2(c+1))−1)/(1−ρ). */
export function queueFactor(rho: number, c: number): number {
  if (rho <= 0) return 0;
  const r = Math.min(rho, RHO_CAP);
  return Math.pow(r, Math.sqrt(2 * (c + 1)) - 1) / (1 - r);
}

export interface QueueCurveFit {
  /** Latency with no queueing (ms). */
  base: number;
  /** Weight of the queueing factor (ms). */
  weight: number;
  /** Servers of the shape (the `c` of M/M/c). */
  servers: number;
  /** Throughput at utilisation 1, in the throughput's units. */
  capacity: number;
  /** Standard deviation of the relative residuals (MAD-based). */
  sigma: number;
  /**
   * How clearly latency responds to load: the flat model's (p95 = constant) extra weighted
   * error over the best curve's, in residual variances, as a signed root (reads like a t-ratio).
   */
  t: number;
  /** Relative residuals (observed / fitted − 1) in observation order; NaN for trimmed points. */
  residuals: Float64Array;
  /**
   * Every grid curve the data do not rule out: weighted error within `plausibleChi2`
   * residual variances of the best (a profile-likelihood region over shape and capacity).
   */
  plausible: QueueCurve[];
}

/**
 * Fits p95 = base + weight · queueFactor(λ / capacity, servers) to (throughput, p95) pairs.
 * For each shape and capacity on the grids, base and weight are weighted least squares on
 * the relative error (latency noise is multiplicative), with weight held to κ·base/servers,
 * κ in [KAPPA_MIN, KAPPA_MAX]; the grid point with the least weighted error wins, then
 * points beyond TRIM_SIGMAS are dropped and the grid searched again. Every grid point
 * within `plausibleChi2` residual variances of the best is returned as plausible. Null when
 * fewer than 3 points, the load never varies, or no grid point has a rising curve.
 */
export function fitQueueCurve(lam: ArrayLike<number>, p95: ArrayLike<number>, plausibleChi2 = 0): QueueCurveFit | null {
  const n = lam.length;
  if (n < 3) return null;
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < n; i++) { const x = lam[i] as number; if (x < lo) lo = x; if (x > hi) hi = x; }
  if (!(hi > 0) || hi - lo <= 1e-9 * hi) return null;
  const keep = new Uint8Array(n).fill(1);
  // Each pass records every grid curve; the last pass's list is the one kept (one or two
  // passes: a third only to collect the list doubled the cost, 9 ms CPU per forecast).
  let all: Array<QueueCurve & { sse: number }> = [];
  let best = gridFit(lam, p95, keep, hi, all);
  if (!best) return null;
  const sigma = relativeSigma(best.residuals, keep);
  if (sigma > 0) {
    let dropped = 0;
    for (let i = 0; i < n; i++) if (Math.abs(best.residuals[i] as number) > TRIM_SIGMAS * sigma) { keep[i] = 0; dropped++; }
    const trimmedAll: Array<QueueCurve & { sse: number }> = [];
    const trimmed = dropped > 0 && n - dropped >= 3 ? gridFit(lam, p95, keep, hi, trimmedAll) : null;
    if (trimmed) { best = trimmed; all = trimmedAll; } else keep.fill(1);
  }
  const residuals = Float64Array.from(best.residuals, (r, i) => (keep[i] ? r : Number.NaN));
  const s = relativeSigma(best.residuals, keep);
  let kept = 0;
  let bestSse = Infinity;
  for (let i = 0; i < n; i++) if (keep[i]) kept++;
  for (const c of all) if (c.sse < bestSse) bestSse = c.sse;
  // Evidence of a load response: the flat model's (p95 = a) extra error in residual
  // variances, as a signed root so it reads like a t-ratio.
  let sf = 0, sf2 = 0;
  for (let i = 0; i < n; i++) if (keep[i]) { const y = p95[i] as number; sf += 1 / y; sf2 += 1 / (y * y); }
  const a = sf / sf2;
  let flatSse = 0;
  for (let i = 0; i < n; i++) if (keep[i]) { const r = ((p95[i] as number) - a) / (p95[i] as number); flatSse += r * r; }
  const variance = bestSse / Math.max(1, kept - 4);
  const t = variance > 0 ? Math.sqrt(Math.max(0, flatSse - bestSse) / variance) : Infinity;
  const limit = bestSse * (1 + plausibleChi2 / Math.max(1, kept - 4));
  const plausible = all.filter((c) => c.sse <= limit).map(({ base, weight, servers, capacity }) => ({ base, weight, servers, capacity }));
  return { base: best.base, weight: best.weight, servers: best.servers, capacity: best.capacity, sigma: s, t, residuals, plausible };
}

/** One (shape, capacity) of the grid with its fitted linear parameters. */
export interface QueueCurve {
  base: number;
  weight: number;
  servers: number;
  capacity: number;
}

interface GridBest {
  base: number;
  weight: number;
  servers: number;
  capacity: number;
  residuals: Float64Array;
}

function gridFit(lam: ArrayLike<number>, p95: ArrayLike<number>, keep: Uint8Array, hi: number, all?: Array<QueueCurve & { sse: number }>): GridBest | null {
  const n = lam.length;
  const u = new Float64Array(n);
  let bestSse = Infinity;
  let best: Omit<GridBest, 'residuals'> | null = null;
  const ratio = Math.pow(CAPACITY_MAX / CAPACITY_MIN, 1 / (CAPACITY_POINTS - 1));
  for (const c of QUEUE_SHAPES) {
    let mult = CAPACITY_MIN;
    for (let g = 0; g < CAPACITY_POINTS; g++, mult *= ratio) {
      const cap = hi * mult;
      for (let i = 0; i < n; i++) u[i] = queueFactor((lam[i] as number) / cap, c);
      // Weighted least squares of y on [1, u] with weights 1/y²: the relative error.
      let sw = 0, su = 0, sy = 0, suu = 0, suy = 0;
      for (let i = 0; i < n; i++) {
        if (!keep[i]) continue;
        const y = p95[i] as number;
        const w = 1 / (y * y);
        const ui = u[i] as number;
        sw += w; su += w * ui; sy += w * y; suu += w * ui * ui; suy += w * ui * y;
      }
      // Queueing ties the rise to the service time: in M/M/c the mean is S·(1 + factor/c),
      // and a tail quantile a small multiple of that. So weight = κ·base/c with κ held in
      // [KAPPA_MIN, KAPPA_MAX]; without the tie a tiny weight on a knee just past the
      // busiest point fits one noisy window (steady-day checkout: a 129 ms p95 at the day's
      // highest load put a 16-server knee 2 % beyond it).
      const det = sw * suu - su * su;
      let base = det > 1e-12 * sw * suu ? (sy * suu - su * suy) / det : Number.NaN;
      let weight = det > 1e-12 * sw * suu ? (sw * suy - su * sy) / det : Number.NaN;
      const kappa = base > 0 ? (weight * c) / base : Number.NaN;
      if (!(kappa >= KAPPA_MIN && kappa <= KAPPA_MAX)) {
        const k = kappa > KAPPA_MAX ? KAPPA_MAX : KAPPA_MIN;
        // y ≈ base·(1 + k·u/c): one parameter, weighted least squares.
        let num = 0, den = 0;
        for (let i = 0; i < n; i++) {
          if (!keep[i]) continue;
          const y = p95[i] as number;
          const v = 1 + (k * (u[i] as number)) / c;
          num += v / y; den += (v * v) / (y * y);
        }
        base = num / den;
        weight = (k * base) / c;
      }
      if (!(base > 0) || !(weight > 0)) continue;
      let sse = 0;
      for (let i = 0; i < n; i++) {
        if (!keep[i]) continue;
        const y = p95[i] as number;
        const r = (y - base - weight * (u[i] as number)) / y;
        sse += r * r;
      }
      all?.push({ base, weight, servers: c, capacity: cap, sse });
      if (sse < bestSse) {
        bestSse = sse;
        best = { base, weight, servers: c, capacity: cap };
      }
    }
  }
  if (!best) return null;
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = best.base + best.weight * queueFactor((lam[i] as number) / best.capacity, best.servers);
    residuals[i] = (p95[i] as number) / f - 1;
  }
  return { ...best, residuals };
}

/** MAD-based sigma of the kept residuals. */
function relativeSigma(residuals: Float64Array, keep: Uint8Array): number {
  return MAD_TO_SIGMA * madInPlace(residuals.filter((_, i) => keep[i] === 1));
}

/**
 * Queueing-curve forecast, for breach detection only: p95 from where the throughput is
 * heading, mapped through a load→latency curve of the shape a queue has.
 *
 * Why: load_curve's straight line in 1/p95 is the one-server (M/M/1) hyperbola, which rises
 * from low load on. A service with several workers or replicas is flatter at moderate load
 * and turns sharply near capacity, so a line fitted where the curve is still flat puts the
 * knee too far out, and a surge is seen only once latency has begun to climb (held-out set,
 * seed 202: surges detected 21–27 minutes into 26–32-minute approaches). This fits the
 * shape of Sakasegawa's M/M/c approximation, p95 ≈ base + weight · ρ^(√(2(c+1))−1)/(1−ρ)
 * with ρ = λ / capacity, and lets the pre-incident (throughput, p95) pairs choose the
 * capacity and the number of servers c: the capacity is the knee, learned per service.
 *
 * The throughput is the service's total (the models stage is not told replicas), which is
 * the same thing within one capacity: a scale-out is a step in 1/p95 at the same load, so,
 * as in load_curve, the curve is fitted only after the last level shift.
 *
 * It forecasts nothing (null) unless: the load's slope over `trendWindow` points is at
 * least `minTrendT` standard errors above 0 (a slow dependency or a leak has no load ramp,
 * and capacity learned from load says nothing about it), and the queueing term's weight is
 * at least `minCurveT` standard errors above 0 (latency that does not respond to load has
 * no knee to find). The load's trend is extrapolated `loadHorizon` steps and then held, so
 * a daily rise is not carried past its peak.
 */
export class QueueCurveForecaster implements Forecaster {
  readonly name = 'queue_curve';
  readonly version = '1';
  private readonly p95: RingBuffer;
  private readonly load: RingBuffer;
  private seen = 0;
  private lastT = 0;
  private lastRaw = 0;

  constructor(private readonly opts: QueueCurveOptions) {
    if (opts.trendWindow > opts.curveWindow) throw new RangeError(`trendWindow (${opts.trendWindow}) must not exceed curveWindow (${opts.curveWindow})`);
    this.p95 = new RingBuffer(opts.curveWindow);
    this.load = new RingBuffer(opts.curveWindow);
  }

  observe(point: SeriesPoint): void {
    const tp = point.throughput;
    if (tp === undefined || !Number.isFinite(tp) || !Number.isFinite(point.value) || !(point.value > 0)) return;
    this.p95.push(point.value);
    this.load.push(tp);
    this.seen++;
    this.lastT = point.t;
    this.lastRaw = point.value;
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    const n = this.load.length;
    const m = this.opts.trendWindow;
    if (this.seen < this.opts.minHistory || n < m || n < 3 || steps < 1) return null;
    const lam = this.load.toArray();
    const ys = this.p95.toArray();

    const trend = loadTrend(lam.slice(n - m));
    if (!trend || !(trend.slope > 0) || trend.t < this.opts.minTrendT) return null;

    const shifts = levelShifts(ys.map((v) => 1 / v), DEFAULT_LEVEL_SHIFT);
    const from = shifts[shifts.length - 1] ?? 0;
    if (n - from < m) return null;
    const segLam = lam.slice(from);
    const segY = ys.slice(from);
    const fit = fitQueueCurve(segLam, segY, this.opts.plausibleChi2);
    if (!fit || fit.t < this.opts.minCurveT) return null;

    // Each plausible curve, corrected to where the service sits on it now (the median ratio
    // of its newest observations to the curve). The median path is their lower envelope: a
    // breach is forecast only when every knee the data allow puts it within the horizon.
    const recentFrom = Math.max(0, segLam.length - RECENT_POINTS);
    const curves = fit.plausible.map((c) => {
      const ratios = new Float64Array(segLam.length - recentFrom);
      for (let i = recentFrom; i < segLam.length; i++) ratios[i - recentFrom] = (segY[i] as number) / (c.base + c.weight * queueFactor((segLam[i] as number) / c.capacity, c.servers));
      return { ...c, level: selectMedian(ratios) };
    });
    if (curves.length === 0) return null;
    const at = (c: (typeof curves)[number], x: number): number => (x / c.capacity >= RHO_CAP ? Infinity : (c.base + c.weight * queueFactor(x / c.capacity, c.servers)) * c.level);
    const cap = this.lastRaw * RECIPROCAL_MAX_FACTOR;
    const log = getTransform('log');
    const anchorZ = log.forward(this.lastRaw);
    const z = quantiles.map((q) => (q === 0.5 ? 0 : normalQuantile(q)));
    const sd = Math.log1p(fit.sigma);
    return buildForecast({
      origin: this.lastT,
      stepMs: this.opts.stepMs,
      steps,
      quantiles,
      forecaster: this.name,
      modelVersion: `${this.name}@${this.version}`,
      transform: log,
      anchorRaw: this.lastRaw,
      anchorZ,
      point: (h) => {
        const x = trend.level + trend.slope * Math.min(h, this.opts.loadHorizon);
        let v = Infinity;
        for (const c of curves) v = Math.min(v, at(c, x));
        return log.forward(Math.min(v, cap));
      },
      offset: (_h, k) => (z[k] ?? 0) * sd,
    });
  }
}
