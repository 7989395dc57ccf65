import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { RingBuffer, TransformedWindow } from './ring.ts';
import { buildForecast, centredResidualQuantiles } from './quantiles.ts';
import { getTransform, type TransformName } from './transform.ts';

export interface DampedTrendOptions {
  alpha: number;
  beta: number;
  phi: number;
  stepMs: number;
  minHistory: number;
  residualWindow: number;
  transform?: TransformName;
}

/**
 * Holt's linear method with a damped trend, in error-correction form:
 *   e = y - (l + phi b);  l' = l + phi b + alpha e;  b' = phi b + alpha beta e
 * Damping keeps a short-lived ramp from being extrapolated linearly over the whole
 * horizon, which is what made undamped Holt over-predict breaches after every spike.
 *
 * Intervals: one-step residuals give the error distribution; its h-step spread grows as
 * sqrt(1 + sum_{j<h} c_j^2) with c_j = alpha (1 + beta phi (1 - phi^j) / (1 - phi)), the
 * variance multiplier of the ETS(A,Ad,N) model this recursion is.
 */
export class DampedTrendForecaster implements Forecaster {
  readonly name = 'damped_trend';
  readonly version = '1';
  /** The newest observation (raw and transformed) and how many were seen. */
  private readonly last: TransformedWindow;
  private readonly residuals: RingBuffer;
  private level = 0;
  private trend = 0;

  constructor(private readonly opts: DampedTrendOptions) {
    this.last = new TransformedWindow(getTransform(opts.transform ?? 'log'), 1);
    this.residuals = new RingBuffer(opts.residualWindow);
  }

  observe(point: SeriesPoint): void {
    if (!Number.isFinite(point.value)) return;
    const seen = this.last.seen;
    this.last.observe(point);
    const z = this.last.lastZ;
    const { alpha, beta, phi } = this.opts;
    if (seen === 0) {
      this.level = z;
      this.trend = 0;
    } else if (seen === 1) {
      // Start the trend from the first difference so a clean ramp is tracked at once.
      this.trend = z - this.level;
      this.level = z;
    } else {
      const predicted = this.level + phi * this.trend;
      const e = z - predicted;
      this.residuals.push(e);
      this.level = predicted + alpha * e;
      this.trend = phi * this.trend + alpha * beta * e;
    }
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    if (this.last.seen < this.opts.minHistory || steps < 1) return null;
    const { alpha, beta, phi } = this.opts;
    const offsets = centredResidualQuantiles(this.residuals.toArray(), quantiles);
    // Cumulative damping sum and variance multiplier per step, built incrementally.
    const damp = new Array<number>(steps + 1).fill(0);
    const scale = new Array<number>(steps + 1).fill(1);
    let phiPow = 1;
    let varSum = 1;
    for (let h = 1; h <= steps; h++) {
      phiPow *= phi;
      damp[h] = (damp[h - 1] ?? 0) + phiPow;
      scale[h] = Math.sqrt(varSum);
      // c_h for the next step: phi^1 + ... + phi^h equals damp[h].
      const c = alpha * (1 + beta * (damp[h] ?? 0));
      varSum += c * c;
    }
    // A flat level at the last observation must map back to it exactly.
    const anchorZ = this.level;
    const anchorRaw = this.last.rawOf(this.level);
    return buildForecast({
      origin: this.last.lastT,
      stepMs: this.opts.stepMs,
      steps,
      quantiles,
      forecaster: this.name,
      modelVersion: `${this.name}@${this.version}`,
      transform: this.last.transform,
      anchorRaw,
      anchorZ,
      point: (h) => this.level + (damp[h] ?? 0) * this.trend,
      offset: (h, k) => (offsets[k] ?? 0) * (scale[h] ?? 1),
    });
  }
}
