import { z } from 'zod';

export const ANOMALY_METRICS = ['latency_p95', 'error_rate', 'throughput'] as const;

/** Streaming anomaly detection on per-service metrics (key `detector.anomaly`). */
export const anomalyConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /**
   * Raise a detection when the score reaches this. The detector's score is 1 where it fires
   * (its evidence reaches 0.45) and below 0.45 elsewhere, so any value in (0.45, 1] raises
   * exactly its firings (the NAB development split's optimum, standard profile); lower
   * values also raise the evidence below the firing level.
   */
  threshold: z.number().gt(0).lte(1).default(0.5),
  /** Which per-service series to watch; throughput is the window's event count. */
  metrics: z.array(z.enum(ANOMALY_METRICS)).min(1).default([...ANOMALY_METRICS])
    .refine((m) => new Set(m).size === m.length, { message: 'metrics must not repeat' }),
  /** Bound on tracked series (service x metric); the least recently seen is dropped beyond it. */
  maxSeries: z.number().int().min(1).default(10_000),
}).strict();

export type AnomalyConfig = z.infer<typeof anomalyConfigSchema>;
export type AnomalyMetric = (typeof ANOMALY_METRICS)[number];
