import type { ModelsConfig } from './config.ts';
import type { ForecasterFactory } from './evaluate.ts';
import { DampedTrendForecaster } from './statistical/damped-trend.ts';
import { SeasonalNaiveForecaster } from './statistical/seasonal-naive.ts';
import { LOAD_CURVE_MIN_HISTORY, LoadCurveForecaster } from './statistical/load-curve.ts';
import { QueueCurveForecaster } from './statistical/queue-curve.ts';
import { SaturationForecaster } from './statistical/saturation.ts';
import { TheilSenForecaster } from './statistical/theil-sen.ts';

/** The statistical forecasters every service runs, as configured: the fallbacks and the MASE scale. */
export function baselineFactories(config: ModelsConfig): ForecasterFactory[] {
  const base = { stepMs: config.stepMs, minHistory: config.minHistory };
  return [
    { name: 'damped_trend', create: () => new DampedTrendForecaster({ ...base, ...config.dampedTrend, residualWindow: config.residualWindow }) },
    { name: 'seasonal_naive', create: () => new SeasonalNaiveForecaster({ ...base, residualWindow: config.residualWindow }) },
    { name: 'theil_sen', create: () => new TheilSenForecaster({ ...base, window: config.theilSen.window }) },
    { name: 'saturation', create: () => new SaturationForecaster({ ...base, window: config.saturation.window, levelShiftSigmas: config.saturation.levelShiftSigmas, minSlopeT: config.saturation.minSlopeT }) },
  ];
}

/**
 * Forecasters that exist only for breach detection: each service runs them beside the
 * baselines, but they are never chosen or published, and they are kept out of the forecast
 * evaluation (which scores a point only when every forecaster forecast, and these forecast
 * only in a load ramp).
 */
export function detectionFactories(config: ModelsConfig): ForecasterFactory[] {
  const lc = config.loadCurve;
  return [
    {
      name: 'load_curve',
      create: () => new LoadCurveForecaster({
        stepMs: config.stepMs,
        minHistory: Math.max(config.minHistory, LOAD_CURVE_MIN_HISTORY),
        curveWindow: lc.curveWindow,
        trendWindow: lc.trendWindow,
        minTrendT: lc.minTrendT,
        minCurveT: lc.minCurveT,
      }),
    },
    {
      name: 'queue_curve',
      create: () => new QueueCurveForecaster({
        stepMs: config.stepMs,
        minHistory: Math.max(config.minHistory, LOAD_CURVE_MIN_HISTORY),
        ...config.queueCurve,
      }),
    },
  ];
}

/** The forecaster MASE is measured against. */
export const MASE_BASELINE = 'seasonal_naive';
