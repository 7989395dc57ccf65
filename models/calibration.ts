import { coverageHorizon, type ModelsConfig } from './config.ts';
import type { Forecast, Forecaster, SeriesPoint } from './types.ts';
import { quantileKey } from './types.ts';

export interface CalibrationOptions {
  /** Forecast step (1-based) whose band is checked against what arrived. */
  horizon: number;
  /** The band calibrated: its outer quantiles, e.g. 0.1 and 0.9 (nominal coverage 80%). */
  lower: number;
  upper: number;
  /** Step size of the online update; 0 leaves the forecaster's own bands untouched. */
  rate: number;
  /** Bounds of the width factor. */
  minScale: number;
  maxScale: number;
}

/**
 * Online interval calibration (adaptive conformal inference on the band's width): every
 * forecast's spread around its median is multiplied by a factor s, and s follows the misses
 * of the band it published `horizon` steps earlier, s ← s · exp(rate · (miss − α)) with
 * α = 1 − (upper − lower). A band that covers too often narrows, one that misses too often
 * widens, and the long-run miss rate settles at α whatever the forecaster's own error model
 * (Gibbs & Candès 2021 show the miss rate of this update converges to α for any sequence).
 *
 * Why: the forecasters' bands come from different error models (empirical residual
 * quantiles, Gaussian MADs, a network's quantile heads), and on the leadtime suite their
 * p10–p90 coverage at 15 minutes ran from 65% to 97% against a nominal 80%. Downstream, the
 * breach detector reads probabilities off these bands and the remediator sizes capacity
 * from the upper one, so a band that is twice too wide doubles what it buys.
 *
 * The median path is never changed, so point accuracy (and MASE) is the forecaster's own.
 * Quantiles are scaled in log space around the median when both are positive (latency is
 * multiplicative), linearly otherwise. One factor serves every step: it is fitted at
 * `horizon` and the forecaster's own widening with the step is kept.
 */
export class CalibratedForecaster implements Forecaster {
  readonly name: string;
  readonly version: string;
  private s = 1;
  /** Published bands by the window they target. */
  private readonly pending = new Map<number, readonly [number, number]>();
  private readonly alpha: number;
  private readonly lo: string;
  private readonly hi: string;

  constructor(readonly inner: Forecaster, private readonly opts: CalibrationOptions) {
    if (!(opts.lower < 0.5 && opts.upper > 0.5)) throw new RangeError(`calibrated band must straddle the median, got ${opts.lower}..${opts.upper}`);
    this.name = inner.name;
    this.version = inner.version;
    this.alpha = 1 - (opts.upper - opts.lower);
    this.lo = quantileKey(opts.lower);
    this.hi = quantileKey(opts.upper);
  }

  /** The current width factor (1 = the forecaster's own bands). */
  get scale(): number {
    return this.s;
  }

  observe(point: SeriesPoint): void {
    const band = this.pending.get(point.t);
    for (const target of this.pending.keys()) {
      if (target > point.t) break;
      this.pending.delete(target);
    }
    if (band && Number.isFinite(point.value) && this.opts.rate > 0) {
      const miss = point.value < band[0] || point.value > band[1] ? 1 : 0;
      this.s = Math.min(this.opts.maxScale, Math.max(this.opts.minScale, this.s * Math.exp(this.opts.rate * (miss - this.alpha))));
    }
    this.inner.observe(point);
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    const f = this.inner.forecast(steps, quantiles);
    if (!f) return null;
    const out = this.s === 1 ? f : widen(f, this.s);
    const h = this.opts.horizon;
    const lo = out.paths[this.lo]?.[h - 1];
    const hi = out.paths[this.hi]?.[h - 1];
    if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) && h <= out.steps) {
      this.pending.set(out.origin + h * out.stepMs, [lo, hi]);
    }
    return out;
  }
}

/** Every quantile path moved `s` times as far from the median, step by step. */
export function widen(f: Forecast, s: number): Forecast {
  const median = f.paths[quantileKey(0.5)];
  if (!median) return f;
  const paths: Record<string, number[]> = {};
  for (const [key, path] of Object.entries(f.paths)) {
    if (key === quantileKey(0.5)) { paths[key] = path; continue; }
    paths[key] = path.map((v, i) => {
      const m = median[i] as number;
      if (!Number.isFinite(v) || !Number.isFinite(m)) return v;
      return m > 0 && v > 0 ? m * Math.exp(s * Math.log(v / m)) : m + s * (v - m);
    });
  }
  return { ...f, paths };
}

/** The calibration the models config asks for; null when `models.calibration.rate` is 0. */
export function calibrationOf(config: Pick<ModelsConfig, 'quantiles' | 'calibration' | 'horizonMinutes' | 'stepMs' | 'selection'>): CalibrationOptions | null {
  const c = config.calibration;
  if (c.rate === 0) return null;
  return {
    horizon: coverageHorizon(config),
    lower: config.quantiles[0] as number,
    upper: config.quantiles[config.quantiles.length - 1] as number,
    rate: c.rate,
    minScale: c.minScale,
    maxScale: c.maxScale,
  };
}

/** `f` with its bands calibrated online as configured (or `f` itself when calibration is off). */
export function calibrated(f: Forecaster, config: Pick<ModelsConfig, 'quantiles' | 'calibration' | 'horizonMinutes' | 'stepMs' | 'selection'>): Forecaster {
  const opts = calibrationOf(config);
  return opts ? new CalibratedForecaster(f, opts) : f;
}
