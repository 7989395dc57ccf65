export { DampedTrendForecaster, type DampedTrendOptions } from './damped-trend.ts';
export { SeasonalNaiveForecaster, type SeasonalNaiveOptions, DAY_MS } from './seasonal-naive.ts';
export { TheilSenForecaster, type TheilSenOptions } from './theil-sen.ts';
export { RingBuffer } from './ring.ts';
export { getTransform, type Transform, type TransformName } from './transform.ts';
export { normalQuantile } from './quantiles.ts';
export { SaturationForecaster, type SaturationOptions } from './saturation.ts';
export { RECIPROCAL_MAX_FACTOR } from './transform.ts';
export { levelShifts, segmentedTheilSen, DEFAULT_LEVEL_SHIFT, type LevelShiftOptions, type SegmentedFit } from './level-shift.ts';
