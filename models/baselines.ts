import type { ModelsConfig } from './config.ts';
import type { ForecasterFactory } from './evaluate.ts';
import { DampedTrendForecaster } from './statistical/damped-trend.ts';
import { SeasonalNaiveForecaster } from './statistical/seasonal-naive.ts';
import { SaturationForecaster } from './statistical/saturation.ts';
import { TheilSenForecaster } from './statistical/theil-sen.ts';

/** The statistical forecasters every service runs, as configured: the fallbacks and the MASE scale. */
export function baselineFactories(config: ModelsConfig): ForecasterFactory[] {
  const base = { stepMs: config.stepMs, minHistory: config.minHistory };
  return [
    { name: 'damped_trend', create: () => new DampedTrendForecaster({ ...base, ...config.dampedTrend, residualWindow: config.residualWindow }) },
    { name: 'seasonal_naive', create: () => new SeasonalNaiveForecaster({ ...base, residualWindow: config.residualWindow }) },
    { name: 'theil_sen', create: () => new TheilSenForecaster({ ...base, window: config.theilSen.window }) },
    { name: 'saturation', create: () => new SaturationForecaster({ ...base, window: config.saturation.window, levelShiftSigmas: config.saturation.levelShiftSigmas }) },
  ];
}

/** The forecaster MASE is measured against. */
export const MASE_BASELINE = 'seasonal_naive';
