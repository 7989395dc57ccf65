/** Contracts of the models stage: forecasters over per-service metric series. */

/** One observation of a metric series at a window start. */
export interface SeriesPoint {
  t: number;
  value: number;
  /**
   * Covariates of the same window, for forecasters that use more than the series itself
   * (the TF.js model). Univariate forecasters ignore them.
   */
  throughput?: number;
  errorRate?: number;
  /**
   * Share of the window's lines logged at warn level or above, from the ingest's level
   * counts: slow requests, GC pauses and retries are warned about whatever their text.
   */
  warnRate?: number;
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

/** The metrics the models stage forecasts. */
export type ForecastMetric = 'latency_p95';

/**
 * What the models stage hands the detector for each closed window of each service.
 * `observed` is null for a window without latency; `forecast` is null until the chosen
 * forecaster has enough history (and for windows without latency).
 */
export interface ForecastUpdate {
  service: string;
  metric: ForecastMetric;
  windowStart: number;
  observed: number | null;
  forecast: Forecast | null;
  /** Name of the forecaster currently chosen for this service. */
  forecaster: string;
  /**
   * Forecasts of the configured `models.detectionForecasters` for the same window, for the
   * breach detector only (never published as the service's forecast). Absent or empty
   * when none is configured or none has enough history.
   */
  detectionForecasts?: Forecast[];
}
