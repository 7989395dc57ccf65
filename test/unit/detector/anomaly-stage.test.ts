import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.ts';
import { stableId } from '../../../core/ids.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { anomalyConfigSchema } from '../../../detector/anomaly/config.ts';
import { createAnomalyStage, metricValue } from '../../../detector/anomaly/stage.ts';

function point(i: number, count: number, p95: number | null): MetricPoint {
  return {
    service: 'checkout', windowStart: i * 60_000, windowMs: 60_000, count, errors: 0, errorRate: 0,
    latency: p95 === null ? null : { p50: p95 / 2, p95, p99: p95, max: p95, mean: p95 / 2 },
    latencyCount: count, levels: {}, topTemplates: [],
  };
}

// A steady service (count and latency wobble on a 7-window cycle) whose p95 jumps tenfold at window 400.
function run(configIn: unknown): ReturnType<ReturnType<typeof createAnomalyStage>['handle']> {
  const stage = createAnomalyStage(anomalyConfigSchema.parse(configIn), { clock: new ManualClock(0) });
  const found = [];
  for (let i = 0; i < 460; i++) found.push(...stage.handle([point(i, 100 + (i % 7), i >= 400 ? 2000 : 200 + (i % 7) * 3)]));
  return found;
}

test('config: defaults, unknown keys rejected, metrics must not repeat', () => {
  const c = anomalyConfigSchema.parse({});
  assert.deepEqual(c, { enabled: true, threshold: 0.5, metrics: ['latency_p95', 'error_rate', 'throughput'], maxSeries: 10_000 });
  assert.throws(() => anomalyConfigSchema.parse({ treshold: 0.3 }));
  assert.throws(() => anomalyConfigSchema.parse({ metrics: ['throughput', 'throughput'] }));
  assert.throws(() => anomalyConfigSchema.parse({ threshold: 0 }));
});

test('metric values: p95 only when latencies exist, error rate only when events exist', () => {
  assert.equal(metricValue(point(0, 5, null), 'latency_p95'), undefined);
  assert.equal(metricValue(point(0, 5, 120), 'latency_p95'), 120);
  assert.equal(metricValue(point(0, 0, null), 'error_rate'), undefined);
  assert.equal(metricValue(point(0, 7, null), 'throughput'), 7);
});

test('a latency jump raises one anomaly detection with a deterministic id', () => {
  const found = run({ metrics: ['latency_p95'] });
  assert.equal(found.length, 1);
  const d = found[0];
  assert.ok(d);
  assert.equal(d.kind, 'anomaly');
  assert.equal(d.metric, 'latency_p95');
  assert.equal(d.at, 400 * 60_000);
  assert.equal(d.id, stableId('det', 'checkout', 'latency_p95', 'anomaly', 400 * 60_000));
  assert.equal(d.threshold, 0.5);
  assert.equal(d.score, 1);
  assert.deepEqual(run({ metrics: ['latency_p95'] }), found);
});

test('disabled stage and steady metrics raise nothing', () => {
  assert.deepEqual(run({ enabled: false }), []);
  assert.deepEqual(run({ metrics: ['throughput', 'error_rate'] }), []);
});
