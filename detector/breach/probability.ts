import type { Forecast } from '../../models/types.ts';
import { quantileKey } from '../../models/types.ts';

/**
 * P(X > threshold) for one step, from a few quantiles of X: the CDF is taken as piecewise
 * linear through the points (value_k, q_k), extended past the outer quantiles with the
 * slope of the nearest non-flat segment and clamped to [0, 1]. With zero spread the
 * forecast is a point: probability 1 above it, 0 at or below.
 */
export function exceedance(levels: readonly number[], values: readonly number[], threshold: number): number {
  const n = levels.length;
  if (n === 0 || values.length !== n) return 0;
  const lo = values[0] as number;
  const hi = values[n - 1] as number;
  if (hi <= lo) return threshold < lo ? 1 : 0;
  let cdf: number;
  if (threshold < lo) {
    let k = 0;
    while ((values[k + 1] as number) <= (values[k] as number)) k++;
    const slope = ((levels[k + 1] as number) - (levels[k] as number)) / ((values[k + 1] as number) - (values[k] as number));
    cdf = (levels[0] as number) - (lo - threshold) * slope;
  } else if (threshold >= hi) {
    let k = n - 1;
    while ((values[k - 1] as number) >= (values[k] as number)) k--;
    const slope = ((levels[k] as number) - (levels[k - 1] as number)) / ((values[k] as number) - (values[k - 1] as number));
    cdf = (levels[n - 1] as number) + (threshold - hi) * slope;
  } else {
    // Highest k with values[k] <= threshold; values[k + 1] > threshold exists since threshold < hi.
    let k = 0;
    while (k + 1 < n && (values[k + 1] as number) <= threshold) k++;
    const v0 = values[k] as number;
    const v1 = values[k + 1] as number;
    cdf = (levels[k] as number) + ((threshold - v0) / (v1 - v0)) * ((levels[k + 1] as number) - (levels[k] as number));
  }
  return 1 - Math.min(1, Math.max(0, cdf));
}

export interface BreachOutlook {
  /** Highest per-step exceedance probability in the horizon. */
  probability: number;
  perStep: number[];
}

export function breachOutlook(forecast: Forecast, threshold: number): BreachOutlook {
  const levels = [...forecast.quantiles].sort((a, b) => a - b);
  const paths = levels.map((q) => forecast.paths[quantileKey(q)] ?? []);
  const perStep = new Array<number>(forecast.steps);
  let probability = 0;
  const values = new Array<number>(levels.length);
  for (let h = 0; h < forecast.steps; h++) {
    for (let k = 0; k < levels.length; k++) values[k] = paths[k]?.[h] ?? Number.NaN;
    const p = values.some((v) => !Number.isFinite(v)) ? 0 : exceedance(levels, values, threshold);
    perStep[h] = p;
    if (p > probability) probability = p;
  }
  return { probability, perStep };
}

/** 1-based first step whose exceedance probability reaches `p`, or undefined. */
export function firstStepAtOrAbove(perStep: readonly number[], p: number): number | undefined {
  const i = perStep.findIndex((x) => x >= p);
  return i < 0 ? undefined : i + 1;
}

/**
 * The outlook over the published forecast and the detection-only forecasts
 * (`ForecastUpdate.detectionForecasts`): per step, the highest exceedance probability of
 * any of them. The published forecast is chosen for median accuracy, and flat stretches
 * dominate that score, so it is the last to see a queue blowing up; a saturation-aware
 * forecast sees it sooner and is flat where the series is. Taking the maximum means a
 * breach is raised when any of them expects one; false alarms are bounded by each
 * forecast staying flat on flat series. `forecast` is the one with the highest
 * probability (the published one on ties), reported as the detection's evidence.
 */
export function combinedOutlook(published: Forecast, others: readonly Forecast[], threshold: number): { outlook: BreachOutlook; forecast: Forecast } {
  let best = { outlook: breachOutlook(published, threshold), forecast: published };
  if (others.length === 0) return best;
  const perStep = [...best.outlook.perStep];
  for (const f of others) {
    if (f.steps !== published.steps || f.stepMs !== published.stepMs) continue;
    const o = breachOutlook(f, threshold);
    for (let h = 0; h < perStep.length; h++) perStep[h] = Math.max(perStep[h] as number, o.perStep[h] ?? 0);
    if (o.probability > best.outlook.probability) best = { outlook: o, forecast: f };
  }
  return { outlook: { probability: Math.max(...perStep, 0), perStep }, forecast: best.forecast };
}
