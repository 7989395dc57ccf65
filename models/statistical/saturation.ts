import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { TransformedWindow } from './ring.ts';
import { MAD_TO_SIGMA, mad } from './quantiles.ts';
import { DEFAULT_LEVEL_SHIFT, levelShifts, segmentedTheilSen } from './level-shift.ts';
import { reciprocalLineForecast } from './reciprocal-line.ts';
import { getTransform } from './transform.ts';

export interface SaturationOptions {
  stepMs: number;
  minHistory: number;
  /** Points the line is fitted on: the current ramp, not the whole history. */
  window: number;
  /**
   * Level shifts of this many noise sigmas split the fit (see level-shift.ts); 0 fits one
   * line across everything, steps included.
   */
  levelShiftSigmas?: number;
  /**
   * The slope is used only when it is at least this many standard errors from 0 (else the
   * forecast is flat); 0 disables the gate. See DEFAULT_MIN_SLOPE_T.
   */
  minSlopeT?: number;
}

/**
 * Why 5 and not the textbook 2–3: the standard error assumes independent residuals, but
 * minute p95s are autocorrelated (bursts and slow daily swings), which shrinks the MAD of
 * the residuals and inflates the t-ratio. Measured on the leadtime suite (three seeds): 3
 * and 4 left every false alarm of a noisy busy day in place, 5 removed them without losing
 * a detection or a minute of median lead; real ramps here score far above it.
 */
export const DEFAULT_MIN_SLOPE_T = 5;

/**
 * Saturation-aware trend: a robust straight line through 1/p95 rather than log p95.
 *
 * Why: a saturating service's latency follows queueing, p95 ≈ s·g(ρ) with g ~ 1/(1 − ρ)
 * as utilisation ρ nears 1, while ρ itself ramps roughly linearly in a leak (capacity
 * lost per minute) or a surge (load gained per minute). So 1/p95 falls roughly linearly
 * and reaches 0 when ρ reaches 1; a line through log p95 is exponential growth, which
 * under-forecasts the blow-up and crosses the SLO late. A baseline service time b does not
 * need estimating: h = 1 − b/p95 is an affine function of 1/p95, and the Theil–Sen line is
 * affine-equivariant, so every b gives the same latency path.
 *
 * The fit is Theil–Sen (median of pairwise slopes) over the last `window` points, on the
 * observation index like the other forecasters, split at level shifts (level-shift.ts):
 * pairs straddling a step are left out of the slope and the level comes from after the
 * last step, so a bad deploy or an outage is not extrapolated as a ramp to saturation. A flat series has slope ~0 and forecasts
 * flat. Quantiles: Gaussian in 1/p95 from the MAD of the residuals, widened for
 * extrapolation like a least-squares prediction interval, then mapped back (the map is
 * decreasing, so the low band of 1/p95 is the high band of latency). A path that reaches
 * 0 (saturation) is capped at RECIPROCAL_MAX_FACTOR times the current fitted level.
 */
export class SaturationForecaster implements Forecaster {
  readonly name = 'saturation';
  readonly version = '1';
  private readonly w: TransformedWindow;

  constructor(private readonly opts: SaturationOptions) {
    this.w = new TransformedWindow(getTransform('reciprocal'), opts.window);
  }

  observe(point: SeriesPoint): void {
    this.w.observe(point);
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    if (this.w.seen < this.opts.minHistory || steps < 1) return null;
    const ys = this.w.values.toArray();
    const n = ys.length;
    const sigmas = this.opts.levelShiftSigmas ?? DEFAULT_LEVEL_SHIFT.sigmas;
    // A step (a bad deploy, an outage, a scale-out) is not a ramp: a line across it would
    // extrapolate the step as a trend and predict a blow-up that is not coming.
    const shifts = sigmas > 0 ? levelShifts(ys, { ...DEFAULT_LEVEL_SHIFT, sigmas }) : [];
    const fit = segmentedTheilSen(ys, shifts);
    const sigma = MAD_TO_SIGMA * mad(fit.residuals);
    // Evidence for the trend: the slope over its standard error on the last segment's points
    // (Theil–Sen's is close to least squares' for Gaussian noise). A slope within noise of 0
    // is no ramp, and extrapolating it a horizon ahead turns noise into a saturation.
    const m = n - fit.lastStart;
    const segSxx = (m * (m * m - 1)) / 12;
    const tStat = sigma > 0 && segSxx > 0 ? Math.abs(fit.slope) * Math.sqrt(segSxx) / sigma : Infinity;
    const slope = tStat >= (this.opts.minSlopeT ?? DEFAULT_MIN_SLOPE_T) ? fit.slope : 0;
    // The fitted level can only be at or below 0 if the window already saturated; the path
    // then starts at the last observation, where the service is.
    const xMean = (n - 1) / 2;
    const sxx = (n * (n * n - 1)) / 12;
    return reciprocalLineForecast(this, this.w, {
      level: fit.level,
      slopePerStep: slope,
      sd: (h) => sigma * Math.sqrt(1 + 1 / n + ((n - 1 + h - xMean) ** 2) / sxx),
    }, this.opts.stepMs, steps, quantiles);
  }
}
