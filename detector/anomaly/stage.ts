/**
 * The daemon's anomaly stage: one streaming detector per (service, metric), fed each closed
 * window; a window whose score reaches the threshold becomes an `anomaly` detection.
 */
import type { Clock } from '../../core/clock.ts';
import { stableId } from '../../core/ids.ts';
import type { StageHealth } from '../../core/stage.ts';
import type { MetricPoint } from '../../ingest/types.ts';
import type { Detection } from '../types.ts';
import type { AnomalyConfig, AnomalyMetric } from './config.ts';
import { createAnomalyDetector } from './detector.ts';
import type { AnomalyDetector } from './detector.ts';

export const ANOMALY_MODEL_VERSION = 'anomaly-v2';

export interface AnomalyStageDeps {
  clock: Clock;
}

export interface AnomalyStage {
  start(): Promise<void>;
  stop(): Promise<void>;
  handle(points: MetricPoint[]): Detection[];
  health(): StageHealth;
  /** A config reload: thresholds apply from the next window; per-service state is kept. */
  reconfigure(next: AnomalyConfig): void;
}

/** The value of a metric in one window, or undefined when the window does not carry it. */
export function metricValue(p: MetricPoint, metric: AnomalyMetric): number | undefined {
  switch (metric) {
    case 'latency_p95': return p.latency?.p95;
    case 'error_rate': return p.count > 0 ? p.errorRate : undefined;
    case 'throughput': return p.count;
  }
}

export function createAnomalyStage(initial: AnomalyConfig, _deps: AnomalyStageDeps): AnomalyStage {
  let config = initial;
  // Map iteration order is insertion order; re-inserting on use makes the first key the least recently seen.
  const series = new Map<string, { det: AnomalyDetector; last: number }>();
  let points = 0;
  let raised = 0;
  let evicted = 0;
  let stopped = false;

  function detectorFor(key: string): { det: AnomalyDetector; last: number } {
    let s = series.get(key);
    if (s === undefined) {
      s = { det: createAnomalyDetector(), last: Number.NEGATIVE_INFINITY };
      if (series.size >= config.maxSeries) {
        const oldest = series.keys().next().value;
        if (oldest !== undefined) { series.delete(oldest); evicted++; }
      }
    } else {
      series.delete(key);
    }
    series.set(key, s);
    return s;
  }

  return {
    reconfigure(next) { config = next; },
    async start() { stopped = false; },
    async stop() { stopped = true; },
    handle(input: MetricPoint[]): Detection[] {
      if (!config.enabled || stopped) return [];
      const out: Detection[] = [];
      for (const p of input) {
        points++;
        for (const metric of config.metrics) {
          const value = metricValue(p, metric);
          if (value === undefined || !Number.isFinite(value)) continue;
          const s = detectorFor(`${p.service}\u0000${metric}`);
          // Windows arrive in event-time order per service; a late duplicate must not rewind the model.
          if (p.windowStart <= s.last) continue;
          s.last = p.windowStart;
          const score = s.det.update(p.windowStart, value);
          if (score < config.threshold) continue;
          raised++;
          out.push({
            id: stableId('det', p.service, metric, 'anomaly', p.windowStart),
            service: p.service,
            metric,
            kind: 'anomaly',
            at: p.windowStart,
            score,
            threshold: config.threshold,
            evidence: { value, windowMs: p.windowMs, count: p.count, strength: Math.round(s.det.evidence * 1000) / 1000 },
            modelVersion: ANOMALY_MODEL_VERSION,
          });
        }
      }
      return out;
    },
    health(): StageHealth {
      return { ok: true, detail: { enabled: config.enabled, series: series.size, points, raised, evicted } };
    },
  };
}
