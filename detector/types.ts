import type { Forecast } from '../models/types.ts';

export type DetectionKind = 'predicted_breach' | 'anomaly' | 'log_pattern';

export type MetricName = 'latency_p95' | 'error_rate' | 'throughput' | 'template';

export interface Detection {
  /** Deterministic: same service, metric, kind and window give the same id. */
  id: string;
  service: string;
  metric: MetricName;
  kind: DetectionKind;
  /** Event time of the window that raised it. */
  at: number;
  /** 0..1: breach probability, or anomaly likelihood. */
  score: number;
  /** The SLO value or score threshold it was judged against. */
  threshold: number;
  predictedBreachAt?: number;
  leadTimeMs?: number;
  forecast?: Pick<Forecast, 'origin' | 'stepMs' | 'steps' | 'forecaster'> & { median: number[]; upper: number[] };
  evidence: Record<string, unknown>;
  modelVersion: string;
  /** Set by replays so stores and dashboards tell them from live detections. */
  replay?: boolean;
}
