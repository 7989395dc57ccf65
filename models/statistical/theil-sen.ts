import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { TransformedWindow } from './ring.ts';
import { buildForecast, MAD_TO_SIGMA, mad, normalQuantile } from './quantiles.ts';
import { segmentedTheilSen } from './level-shift.ts';
import { getTransform, type TransformName } from './transform.ts';

export interface TheilSenOptions {
  stepMs: number;
  minHistory: number;
  /** Points the trend is fitted on; short, so it follows the current ramp only. */
  window: number;
  transform?: TransformName;
}

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

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    if (this.w.seen < this.opts.minHistory || steps < 1) return null;
    // The window, oldest first, on x = 0..n-1; one segment (no level-shift split here).
    const ys = this.w.values.toArray();
    const { slope, level: fitLast, residuals } = segmentedTheilSen(ys, []);
    const n = ys.length;
    const sigma = MAD_TO_SIGMA * mad(residuals);
    const xMean = (n - 1) / 2;
    const sxx = (n * (n * n - 1)) / 12;
    const z = quantiles.map((q) => (q === 0.5 ? 0 : normalQuantile(q)));
    // Anchor the path at the fitted value of the last point: on an exact line that is the
    // last observation, so a constant series forecasts its value exactly.
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
