import { CalibratedForecaster, type CalibrationOptions } from './calibration.ts';
import type { Forecaster, SeriesPoint } from './types.ts';
import { quantileKey } from './types.ts';

/**
 * Offline forecast evaluation, shared by `foresight train` (validation before promotion)
 * and `foresight eval forecast`.
 *
 * Every forecaster streams through each series from its first point (so it has all the
 * history a live one would have), but only forecasts whose targets lie in the held-out
 * part (index >= testFrom) are scored. A (series, origin, h) point is scored only when
 * every forecaster, the baseline included, produced a forecast there and the target
 * window exists, so all forecasters are compared on exactly the same points.
 *
 * Definitions, per horizon h (in steps):
 * - MAE_f,s(h): mean |y(t+h) − median_f(t, h)| over the scored points of series s, in ms.
 * - relative MAE_f,s(h) = MAE_f,s(h) / MAE_baseline,s(h): the out-of-sample MASE with the
 *   seasonal-naive forecaster (last value while it has less than a day of history) as the
 *   scale, on the same points at the same h.
 * - MASE_f(h): the geometric mean of relative MAE over series (those with a non-zero
 *   baseline error). Geometric, so a quiet series where the baseline is nearly perfect
 *   cannot dominate, and a model twice as good on one series and twice as bad on another
 *   scores 1. Below 1 beats the baseline.
 * - pooled MASE_f(h) = Σ_s Σ|e_f| / Σ_s Σ|e_baseline|: the same ratio over all points of
 *   all series; dominated by the slow services and the incidents.
 * - coverage_f(h): share of scored points with p10 <= y <= p90 (nominal 80%).
 */

export interface EvalSeries {
  id: string;
  points: readonly SeriesPoint[];
  /** Index of the first held-out point; only targets at or after it are scored. */
  testFrom: number;
}

export interface ForecasterFactory {
  name: string;
  create(): Forecaster;
}

export interface HorizonScore {
  h: number;
  mase: number | null;
  pooledMase: number | null;
  /** Mean absolute error of the median, ms. */
  mae: number | null;
  /** Share of targets inside [p10, p90]. */
  coverage: number | null;
  points: number;
}

export interface EvalResult {
  horizons: number[];
  baseline: string;
  series: number;
  /** Scored (origin, h) points per horizon (same for every forecaster). */
  points: Record<string, number>;
  forecasters: Record<string, HorizonScore[]>;
  /** Per series: relative MAE (MAE / baseline MAE) of each forecaster at each horizon. */
  bySeries: Array<{ id: string; relMae: Record<string, Record<string, number | null>> }>;
}

export interface EvalOptions {
  stepMs: number;
  horizons: readonly number[];
  /** Name of the factory whose error is the MASE scale. */
  baseline: string;
  lower?: number;
  upper?: number;
  /** Calibrate every forecaster's bands online as the daemon does (calibrationOf(config)); none when absent. */
  calibration?: CalibrationOptions | null;
  /** After each series: how many are scored of how many (the caller's progress). */
  onSeries?: (done: number, total: number) => void;
}

/** Error sums of one forecaster at one horizon over the scored points of one series (or more). */
export interface ErrorSums {
  /** Σ |y − median|, ms. */
  abs: number;
  /** Targets inside [p10, p90]. */
  covered: number;
  /** Scored points. */
  n: number;
}

/** One series scored: the raw sums behind every figure, so scores can be pooled across runs (folds). */
export interface SeriesScore {
  id: string;
  /** sums[f][k]: forecaster f (in factory order) at horizon k (in `horizons` order). */
  sums: ErrorSums[][];
}

export function evaluateForecasters(series: readonly EvalSeries[], factories: readonly ForecasterFactory[], opts: EvalOptions): EvalResult {
  const names = factories.map((f) => f.name);
  if (!names.includes(opts.baseline)) throw new RangeError(`baseline ${opts.baseline} is not among the forecasters [${names.join(', ')}]`);
  const scores: SeriesScore[] = [];
  for (const s of series) {
    scores.push(scoreSeries(s, factories, opts));
    opts.onSeries?.(scores.length, series.length);
  }
  return summariseScores(scores, names, opts);
}

/**
 * Streams every forecaster through one series and sums its errors on the scored points (see
 * the definitions above). A point counts only when every forecaster forecast there.
 */
export function scoreSeries(s: EvalSeries, factories: readonly ForecasterFactory[], opts: EvalOptions): SeriesScore {
  const H = opts.horizons;
  const steps = Math.max(...H);
  const qs = [opts.lower ?? 0.1, 0.5, opts.upper ?? 0.9];
  const [lo, mid, hi] = qs.map(quantileKey) as [string, string, string];
  const fcs = factories.map((f) => (opts.calibration ? new CalibratedForecaster(f.create(), opts.calibration) : f.create()));
  const sums: ErrorSums[][] = factories.map(() => H.map(() => ({ abs: 0, covered: 0, n: 0 })));
  const index = new Map<number, number>();
  s.points.forEach((p, i) => index.set(p.t, i));
  for (let i = 0; i < s.points.length; i++) {
    const p = s.points[i] as SeriesPoint;
    for (const f of fcs) f.observe(p);
    // The first target that can be scored is testFrom; skip origins that cannot reach it.
    if (i + steps < s.testFrom) continue;
    const targets = H.map((h) => index.get(p.t + h * opts.stepMs));
    if (targets.every((j) => j === undefined || j < s.testFrom)) continue;
    const out = fcs.map((f) => f.forecast(steps, qs));
    if (out.some((o) => o === null)) continue;
    H.forEach((h, k) => {
      const j = targets[k];
      if (j === undefined || j < s.testFrom) return;
      const y = (s.points[j] as SeriesPoint).value;
      out.forEach((fc, f) => {
        const paths = fc?.paths;
        const m = paths?.[mid]?.[h - 1] as number;
        const a = (sums[f] as ErrorSums[])[k] as ErrorSums;
        a.abs += Math.abs(y - m);
        a.n++;
        if ((paths?.[lo]?.[h - 1] as number) <= y && y <= (paths?.[hi]?.[h - 1] as number)) a.covered++;
      });
    });
  }
  return { id: s.id, sums };
}

/**
 * The figures over a set of scored series: MASE (geometric mean of each series' MAE over the
 * baseline's), pooled MASE, MAE and coverage per forecaster and horizon. `names` are the
 * forecasters in the order their sums are kept.
 */
export function summariseScores(scores: readonly SeriesScore[], names: readonly string[], opts: Pick<EvalOptions, 'horizons' | 'baseline'>): EvalResult {
  const bIdx = names.indexOf(opts.baseline);
  if (bIdx < 0) throw new RangeError(`baseline ${opts.baseline} is not among the forecasters [${names.join(', ')}]`);
  const H = opts.horizons;
  const sumAt = (sc: SeriesScore, f: number, k: number): ErrorSums => (sc.sums[f] as ErrorSums[])[k] as ErrorSums;
  const logRatios = names.map(() => H.map(() => [] as number[]));
  const bySeries: EvalResult['bySeries'] = scores.map((sc) => {
    const relMae: Record<string, Record<string, number | null>> = {};
    names.forEach((name, f) => {
      relMae[name] = Object.fromEntries(H.map((h, k) => {
        const a = sumAt(sc, f, k);
        const b = sumAt(sc, bIdx, k);
        if (a.n > 0 && b.abs > 0 && a.abs > 0) (logRatios[f]?.[k] as number[]).push(Math.log(a.abs / b.abs));
        return [String(h), a.n > 0 && b.abs > 0 ? round(a.abs / b.abs) : null];
      }));
    });
    return { id: sc.id, relMae };
  });

  const forecasters: Record<string, HorizonScore[]> = {};
  const points: Record<string, number> = {};
  names.forEach((name, f) => {
    forecasters[name] = H.map((h, k) => {
      let abs = 0;
      let bAbs = 0;
      let covered = 0;
      let n = 0;
      for (const sc of scores) {
        const a = sumAt(sc, f, k);
        abs += a.abs;
        covered += a.covered;
        n += a.n;
        bAbs += sumAt(sc, bIdx, k).abs;
      }
      points[String(h)] = n;
      const lr = logRatios[f]?.[k] as number[];
      const mase = lr.length > 0 ? Math.exp(lr.reduce((x, y) => x + y, 0) / lr.length) : null;
      return {
        h,
        mase: round(mase),
        pooledMase: n > 0 && bAbs > 0 ? round(abs / bAbs) : null,
        mae: n > 0 ? round(abs / n) : null,
        coverage: n > 0 ? round(covered / n) : null,
        points: n,
      };
    });
  });
  return { horizons: [...H], baseline: opts.baseline, series: scores.length, points, forecasters, bySeries };
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toFixed(4));
}

/** MASE at h of every forecaster, and the best one other than `exclude`. */
export function maseAt(result: EvalResult, h: number, exclude: string): { mase: Record<string, number | null>; best: string | null; bestMase: number | null } {
  const mase: Record<string, number | null> = {};
  let best: string | null = null;
  let bestMase: number | null = null;
  for (const [name, scores] of Object.entries(result.forecasters)) {
    const m = scores.find((s) => s.h === h)?.mase ?? null;
    mase[name] = m;
    if (name === exclude || m === null) continue;
    if (bestMase === null || m < bestMase) { best = name; bestMase = m; }
  }
  return { mase, best, bestMase };
}
