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
/**
 * Bound of gridFit's expanded error against its sum over the points, relative to the total
 * of the expansion's terms: their rounding is below (m + 16)·ε ≈ 6e-14 for m ≤ 500 points,
 * and the two steps' factors differ by ~1e-14; 1e-9 leaves a margin of 10^4.
 */
const ERROR_BOUND = 1e-9;
/** The exponent of each shape's factor, √(2(c+1)) − 1: exactly 1 for one server. */
const SHAPE_EXPONENTS: readonly number[] = QUEUE_SHAPES.map((c) => Math.sqrt(2 * (c + 1)) - 1);
/** The capacity grid's multiples of the highest load, CAPACITY_MIN to CAPACITY_MAX. */
const CAPACITY_MULTS = new Float64Array(CAPACITY_POINTS);
/** mult^−e for each shape (rows) and capacity multiple (columns): see gridFit. */
const CAPACITY_POWERS = new Float64Array(QUEUE_SHAPES.length * CAPACITY_POINTS);
{
  const ratio = Math.pow(CAPACITY_MAX / CAPACITY_MIN, 1 / (CAPACITY_POINTS - 1));
  let mult = CAPACITY_MIN;
  for (let g = 0; g < CAPACITY_POINTS; g++, mult *= ratio) CAPACITY_MULTS[g] = mult;
  for (let s = 0; s < QUEUE_SHAPES.length; s++) {
    for (let g = 0; g < CAPACITY_POINTS; g++) CAPACITY_POWERS[s * CAPACITY_POINTS + g] = Math.pow(CAPACITY_MULTS[g] as number, -(SHAPE_EXPONENTS[s] as number));
  }
}
/** queueFactor at RHO_CAP for each shape: the factor of a point past the cap. */
const CAPPED_FACTORS: readonly number[] = QUEUE_SHAPES.map((c) => queueFactor(RHO_CAP, c));

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
  // Each pass records every grid curve that can be plausible; the last pass's list is the one
  // kept (one or two passes: a third only to collect the list doubled the cost).
  let all: Array<QueueCurve & { sse: number }> = [];
  let best = gridFit(lam, p95, keep, hi, plausibleChi2, all);
  if (!best) return null;
  const sigma = relativeSigma(best.residuals, keep);
  if (sigma > 0) {
    let dropped = 0;
    for (let i = 0; i < n; i++) if (Math.abs(best.residuals[i] as number) > TRIM_SIGMAS * sigma) { keep[i] = 0; dropped++; }
    const trimmedAll: Array<QueueCurve & { sse: number }> = [];
    const trimmed = dropped > 0 && n - dropped >= 3 ? gridFit(lam, p95, keep, hi, plausibleChi2, trimmedAll) : null;
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

/**
 * The grid search, in two steps. First every grid point's base and weight from five sums
 * over the points, and its error expanded into the same sums; then the error summed over
 * the points, residual by residual, for the curves whose expanded error does not rule them
 * out (see below): those are pushed to `all`, and the least of them is the best. The
 * factors are queueFactor's within ~1e-14 (loadPowers); forecasts moved by at most 4e-14
 * of their value (scripts/queue-curve-differential.ts: 32,000 forecasts, none changed to or
 * from null, no curve chosen differently) and the CPU per rising service-window fell
 * from 2.76 to 0.24 ms (bench/queue-curve.ts).
 */
function gridFit(lam: ArrayLike<number>, p95: ArrayLike<number>, keep: Uint8Array, hi: number, plausibleChi2: number, all: Array<QueueCurve & { sse: number }>): GridBest | null {
  const n = lam.length;
  // The kept points, compacted once, with a = 1/y: the relative residual is 1 − (base + weight·u)·a.
  let m = 0;
  for (let i = 0; i < n; i++) if (keep[i]) m++;
  const x = new Float64Array(m);
  const a = new Float64Array(m);
  // Weighted least squares of y on [1, u] with weights w = 1/y² (the relative error) needs
  // sw = Σw, sy = Σw·y, su = Σw·u, suu = Σw·u², suy = Σw·u·y; the first two are the same
  // at every grid point.
  let sw = 0, sy = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (!keep[i]) continue;
    const aj = 1 / (p95[i] as number);
    x[j] = lam[i] as number;
    a[j] = aj;
    sy += aj; sw += aj * aj;
    j++;
  }
  const powLoad = loadPowers(x, hi);
  const u = new Float64Array(m);
  const sums = new Float64Array(6);
  // Each grid curve's parameters and expanded error (NaN: no rising curve), for step two.
  const points = QUEUE_SHAPES.length * CAPACITY_POINTS;
  const bases = new Float64Array(points);
  const weights = new Float64Array(points);
  const errors = new Float64Array(points).fill(Number.NaN);
  const bounds = new Float64Array(points);
  let least = Infinity;
  for (let s = 0; s < QUEUE_SHAPES.length; s++) {
    const c = QUEUE_SHAPES[s] as number;
    for (let g = 0; g < CAPACITY_POINTS; g++) {
      if (g % 2 === 0) pairSums(s, g, hi, x, a, powLoad, sums);
      const su = sums[3 * (g % 2)] as number, suu = sums[3 * (g % 2) + 1] as number, suy = sums[3 * (g % 2) + 2] as number;
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
        // y ≈ base·(1 + q·u) with q = k/c: one parameter, weighted least squares, from the
        // same sums (Σ v/y = sy + q·suy and Σ v²/y² = sw + 2q·su + q²·suu with v = 1 + q·u).
        const q = k / c;
        base = (sy + q * suy) / (sw + 2 * q * su + q * q * suu);
        weight = (k * base) / c;
      }
      if (!(base > 0) || !(weight > 0)) continue;
      // Σ (1 − base·a − weight·a·u)² expanded into the sums: the terms are all positive,
      // and the rounding of each sum and product is below (m + 16)·ε of their total T.
      const sq = base * base * sw + 2 * base * weight * su + weight * weight * suu;
      const lin = 2 * base * sy + 2 * weight * suy;
      const k = s * CAPACITY_POINTS + g;
      bases[k] = base;
      weights[k] = weight;
      errors[k] = m - lin + sq;
      bounds[k] = ERROR_BOUND * (m + lin + sq);
      least = Math.min(least, (errors[k] as number) + (bounds[k] as number));
    }
  }
  if (least === Infinity) return null;
  // The expanded error cancels (a small difference of terms of size m: a noiseless series
  // loses all its digits), so it only rules curves out. The best summed error is at most
  // `least`, so a curve whose expanded error, less its bound, is past `least`'s plausible
  // limit cannot be plausible (nor the best); the rest get their error summed over the
  // points, in grid order as before, and fitQueueCurve applies the limit to those.
  const limit = least * (1 + plausibleChi2 / Math.max(1, m - 4));
  let best: Omit<GridBest, 'residuals'> | null = null;
  let bestSse = Infinity;
  for (let s = 0; s < QUEUE_SHAPES.length; s++) {
    for (let g = 0; g < CAPACITY_POINTS; g++) {
      const k = s * CAPACITY_POINTS + g;
      if (!((errors[k] as number) - (bounds[k] as number) <= limit)) continue;
      gridFactors(s, g, hi, x, powLoad, u);
      const base = bases[k] as number;
      const weight = weights[k] as number;
      let sse = 0;
      for (let j = 0; j < m; j++) {
        const r = 1 - (base + weight * (u[j] as number)) * (a[j] as number);
        sse += r * r;
      }
      const curve = { base, weight, servers: QUEUE_SHAPES[s] as number, capacity: hi * (CAPACITY_MULTS[g] as number) };
      all.push({ ...curve, sse });
      if (sse < bestSse) { bestSse = sse; best = curve; }
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

/**
 * (λ/hi)^e of each point for each shape's exponent e (rows of x.length): with cap = hi·mult,
 * (λ/cap)^e = (λ/hi)^e · mult^−e (CAPACITY_POWERS), so a grid point costs a multiplication
 * per point instead of a Math.pow. The powers were 97 % of the fit's CPU; exp(e·log) costs
 * a fifth of a pow (10 against 50 ns here) and is within ~1e-14 of it.
 */
function loadPowers(x: Float64Array, hi: number): Float64Array {
  const m = x.length;
  const out = new Float64Array(QUEUE_SHAPES.length * m);
  for (let j = 0; j < m; j++) {
    const v = x[j] as number;
    if (!(v > 0)) continue;
    const log = Math.log(v / hi);
    for (let s = 0; s < QUEUE_SHAPES.length; s++) out[s * m + j] = SHAPE_EXPONENTS[s] === 1 ? v / hi : Math.exp((SHAPE_EXPONENTS[s] as number) * log);
  }
  return out;
}

/** queueFactor(λ/cap, c) of each point at grid point (s, g), within ~1e-14 (loadPowers). */
function gridFactors(s: number, g: number, hi: number, x: Float64Array, powLoad: Float64Array, out: Float64Array): void {
  const m = x.length;
  const perCap = 1 / (hi * (CAPACITY_MULTS[g] as number));
  const powCap = CAPACITY_POWERS[s * CAPACITY_POINTS + g] as number;
  const capped = CAPPED_FACTORS[s] as number;
  for (let j = 0; j < m; j++) {
    const rho = (x[j] as number) * perCap;
    out[j] = rho >= RHO_CAP ? capped : ((powLoad[s * m + j] as number) * powCap) / (1 - rho);
  }
}

/**
 * su = Σa²·u, suu = Σa²·u², suy = Σa·u at grid points (s, g) and (s, g + 1) into out[0..2]
 * and out[3..5], u as in gridFactors. The two share one division, 1/((1 − ρ₁)(1 − ρ₂)): the
 * divisions were half of the grid's CPU (bench/queue-curve.ts, rising: 0.35 → 0.24 ms per
 * service-window).
 */
function pairSums(s: number, g: number, hi: number, x: Float64Array, a: Float64Array, powLoad: Float64Array, out: Float64Array): void {
  const m = x.length;
  const p1 = 1 / (hi * (CAPACITY_MULTS[g] as number));
  const p2 = 1 / (hi * (CAPACITY_MULTS[g + 1] as number));
  const f1 = CAPACITY_POWERS[s * CAPACITY_POINTS + g] as number;
  const f2 = CAPACITY_POWERS[s * CAPACITY_POINTS + g + 1] as number;
  const capped = CAPPED_FACTORS[s] as number;
  let su1 = 0, suu1 = 0, suy1 = 0, su2 = 0, suu2 = 0, suy2 = 0;
  for (let j = 0; j < m; j++) {
    const xj = x[j] as number;
    const pw = powLoad[s * m + j] as number;
    const rho1 = xj * p1;
    const rho2 = xj * p2;
    let u1: number, u2: number;
    if (rho1 < RHO_CAP) {
      // ρ₂ < ρ₁: the larger capacity is below the cap too.
      const d1 = 1 - rho1, d2 = 1 - rho2;
      const r = 1 / (d1 * d2);
      u1 = pw * f1 * d2 * r;
      u2 = pw * f2 * d1 * r;
    } else {
      u1 = capped;
      u2 = rho2 >= RHO_CAP ? capped : (pw * f2) / (1 - rho2);
    }
    const aj = a[j] as number;
    const au1 = aj * u1, au2 = aj * u2;
    suy1 += au1; su1 += aj * au1; suu1 += au1 * au1;
    suy2 += au2; su2 += aj * au2; suu2 += au2 * au2;
  }
  out[0] = su1; out[1] = suu1; out[2] = suy1;
  out[3] = su2; out[4] = suu2; out[5] = suy2;
}

/**
 * The median path at each of `loads`: the least over the plausible curves, each scaled to
 * where the service sits on it now (the median ratio of the newest observations to it);
 * Infinity where every curve is past RHO_CAP. The factors are built as in gridFit, from
 * load^e · capacity^−e: one power per load and shape and one per curve instead of one per
 * pair (a forecast follows ~100 curves on noisy series; the powers were ~40 % of its CPU).
 */
function lowerEnvelope(curves: readonly QueueCurve[], recentLam: Float64Array, recentY: readonly number[], loads: Float64Array): Float64Array {
  const recentPow = loadPowers(recentLam, 1);
  const loadPow = loadPowers(loads, 1);
  const ratios = new Float64Array(recentLam.length);
  const out = new Float64Array(loads.length).fill(Infinity);
  for (const c of curves) {
    const s = QUEUE_SHAPES.indexOf(c.servers);
    const capPow = Math.pow(c.capacity, -(SHAPE_EXPONENTS[s] as number));
    for (let i = 0; i < recentLam.length; i++) {
      const rho = (recentLam[i] as number) / c.capacity;
      const factor = rho >= RHO_CAP ? (CAPPED_FACTORS[s] as number) : ((recentPow[s * recentLam.length + i] as number) * capPow) / (1 - rho);
      ratios[i] = (recentY[i] as number) / (c.base + c.weight * factor);
    }
    const level = selectMedian(ratios);
    for (let h = 0; h < loads.length; h++) {
      const rho = (loads[h] as number) / c.capacity;
      if (rho >= RHO_CAP) continue;
      const v = (c.base + c.weight * (((loadPow[s * loads.length + h] as number) * capPow) / (1 - rho))) * level;
      out[h] = Math.min(out[h] as number, v);
    }
  }
  return out;
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
    if (fit.plausible.length === 0) return null;
    const recentFrom = Math.max(0, segLam.length - RECENT_POINTS);
    // The load at each step is carried `loadHorizon` steps and then held.
    const held = Math.min(steps, this.opts.loadHorizon);
    const loads = Float64Array.from({ length: held }, (_, i) => trend.level + trend.slope * (i + 1));
    const envelope = lowerEnvelope(fit.plausible, Float64Array.from(segLam.slice(recentFrom)), segY.slice(recentFrom), loads);
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
      point: (h) => log.forward(Math.min(envelope[Math.min(h, held) - 1] as number, cap)),
      offset: (_h, k) => (z[k] ?? 0) * sd,
    });
  }
}
