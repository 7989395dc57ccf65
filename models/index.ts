/**
 * Public entry of the models stage.
 *
 *   MetricPoint[] ─► createForecasting().handle ─► ForecastUpdate[] ─► detector
 */
export { createForecasting, type Forecasting, type ForecastingDeps } from './forecasting.ts';
export { modelsConfigSchema, horizonSteps, coverageHorizon, type ModelsConfig } from './config.ts';
export type { Forecast, Forecaster, ForecastUpdate, ForecastMetric, SeriesPoint } from './types.ts';
export { quantileKey } from './types.ts';
export { DampedTrendForecaster, SeasonalNaiveForecaster, TheilSenForecaster } from './statistical/index.ts';
export { baselineFactories, detectionFactories, MASE_BASELINE } from './baselines.ts';
export { evaluateForecasters, maseAt, type EvalSeries, type EvalResult, type EvalOptions, type ForecasterFactory, type HorizonScore } from './evaluate.ts';
export { toSeriesPoint, warnRateOf, collectSeries, contiguousRuns } from './series.ts';
export { CoverageTracker, CoverageStat } from './coverage.ts';
export {
  loadTf, trainModel, saveModel, loadModel, createFileModelStore, createMemoryModelStore, TfForecaster, fitAndValidate,
  MODEL_FORMAT_VERSION, type ModelStore, type StoredModel, type ModelMeta, type TrainOptions, type TrainedModel, type LoadedModel,
} from './tfjs/index.ts';
