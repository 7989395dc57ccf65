import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { TransformedWindow } from './ring.ts';
import { buildForecast, mad, median, normalQuantile } from './quantiles.ts';
import { getTransform, type TransformName } from './transform.ts';

export interface TheilSenOptions {
  stepMs: number;
  minHistory: number;
  /** Points the trend is fitted on; short, so it follows the current ramp only. */
  window: number;
  transform?: TransformName;
}

/** MAD of a normal sample is 0.6745 sigma. */
const MAD_TO_SIGMA = 1.482602218505602;

/**
 * Robust short-window trend: the Theil–Sen slope (median of pairwise slopes) over the last
 * `window` points, which ignores a few outlier windows that would swing least squares.
 * Time is the observation index, not the clock, like the other forecasters: a missing
 * window is skipped rather than treated as a gap in the line.
 *
 * Intervals: Gaussian with sigma from the MAD of the fit's residuals, widened for
 * extrapolation as in the least-squares prediction interval,
 * sigma_h = sigma sqrt(1 + 1/n + (x_h - mean x)^2 / sum (x_i - mean x)^2).
 */
export class TheilSenForecaster implements Forecaster {
  readonly name = 'theil_sen';
  readonly version = '1';
  private readonly w: TransformedWindow;

  constructor(private readonly opts: TheilSenOptions) {
    this.w = new TransformedWindow(getTransform(opts.transform ?? 'log'), opts.window);
  }

  observe(point: SeriesPoint): void {
    this.w.observe(point);
  }

  /** Slope and intercept on x = 0..n-1 (the window, oldest first). */
  fit(): { slope: number; intercept: number; residuals: number[] } {
    const ys = this.w.values.toArray();
    const n = ys.length;
    const slopes: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) slopes.push(((ys[j] as number) - (ys[i] as number)) / (j - i));
    }
    const slope = slopes.length > 0 ? median(slopes) : 0;
    const intercept = median(ys.map((y, i) => y - slope * i));
    const residuals = ys.map((y, i) => y - (intercept + slope * i));
    return { slope, intercept, residuals };
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    if (this.w.seen < this.opts.minHistory || steps < 1) return null;
    const { slope, intercept, residuals } = this.fit();
    const n = this.w.values.length;
    const sigma = MAD_TO_SIGMA * mad(residuals);
    const xMean = (n - 1) / 2;
    const sxx = (n * (n * n - 1)) / 12;
    const z = quantiles.map((q) => (q === 0.5 ? 0 : normalQuantile(q)));
    // Anchor the path at the fitted value of the last point: on an exact line that is the
    // last observation, so a constant series forecasts its value exactly.
    const fitLast = intercept + slope * (n - 1);
    const anchorZ = fitLast;
    const anchorRaw = this.w.rawOf(fitLast);
    return buildForecast({
      origin: this.w.lastT,
      stepMs: this.opts.stepMs,
      steps,
      quantiles,
      forecaster: this.name,
      modelVersion: `${this.name}@${this.version}`,
      transform: this.w.transform,
      anchorRaw,
      anchorZ,
      point: (h) => fitLast + slope * h,
      offset: (h, k) => {
        const x = n - 1 + h;
        return (z[k] ?? 0) * sigma * Math.sqrt(1 + 1 / n + ((x - xMean) ** 2) / sxx);
      },
    });
  }
}
