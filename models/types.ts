/** Contracts of the models stage: forecasters over per-service metric series. */

/** One observation of a metric series at a window start. */
export interface SeriesPoint {
  t: number;
  value: number;
}

/** Quantile paths over a horizon: `paths[q][h]` is the q-quantile at step h + 1. */
export interface Forecast {
  /** Time of the last observation the forecast is based on. */
  origin: number;
  stepMs: number;
  steps: number;
  /** Quantile levels present, e.g. [0.1, 0.5, 0.9]. Always includes 0.5. */
  quantiles: number[];
  paths: Record<string, number[]>;
  forecaster: string;
  modelVersion: string;
}

/**
 * A streaming forecaster for one series. `observe` is O(1) amortised and pure given its
 * inputs; `forecast` uses only what was observed.
 */
export interface Forecaster {
  readonly name: string;
  readonly version: string;
  observe(point: SeriesPoint): void;
  /** Null until it has seen enough history. */
  forecast(steps: number, quantiles: readonly number[]): Forecast | null;
}

export function quantileKey(q: number): string {
  return `p${Math.round(q * 100)}`;
}
