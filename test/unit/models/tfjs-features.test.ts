import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWindow, FEATURES, FEATURE_COUNT, type Normalisation } from '../../../models/tfjs/features.ts';
import { toSeriesPoint, warnRateOf, collectSeries } from '../../../models/series.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import type { SeriesPoint } from '../../../models/types.ts';

const STEP = 60_000;

function close(actual: ArrayLike<number>, expected: readonly number[], eps = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) < eps, `[${i}] ${actual[i]} vs ${expected[i]} in [${Array.from(actual).join(', ')}]`);
  }
}

function metric(over: Partial<MetricPoint>): MetricPoint {
  return {
    service: 'svc', windowStart: 0, windowMs: STEP, count: 200, errors: 0, errorRate: 0,
    latency: { p50: 40, p95: 120, p99: 300, max: 900, mean: 55 }, latencyCount: 200, levels: {}, topTemplates: [],
    ...over,
  };
}

test('feature list: the warn rate sits after the error rate', () => {
  assert.deepEqual([...FEATURES], ['rel_log_p95', 'rel_log_throughput', 'sqrt_error_rate', 'sqrt_warn_rate', 'tod_sin', 'tod_cos']);
  assert.equal(FEATURE_COUNT, 6);
});

test('encodeWindow pins every feature of a literal window', () => {
  // Latencies 100, 200, 50 ms: the base is ln 100 (their geometric mean), so the relative
  // latencies are 0, +ln 2, -ln 2, in units of latencyScale 0.5.
  const points: SeriesPoint[] = [
    { t: 0, value: 100, throughput: 99, errorRate: 0.04, warnRate: 0.25 },
    { t: STEP, value: 200, throughput: 0, errorRate: 0, warnRate: 0.01 },
    // Missing covariates read as 0; a rate above 1 is clipped to 1, below 0 to 0.
    { t: 2 * STEP, value: 50, warnRate: 1.5 },
  ];
  const norm: Normalisation = { latencyScale: 0.5, throughputScale: 1, timeOfDay: false };
  const out = new Float32Array(2 + 3 * FEATURE_COUNT).fill(-9);
  const base = encodeWindow((i) => points[i] as SeriesPoint, 3, norm, out, 2);
  assert.ok(Math.abs(base - Math.log(100)) < 1e-12, `base ${base}`);
  close(out, [
    -9, -9,
    // rel_log_p95, rel_log_throughput (log1p 99 = ln 100 against a mean of ln 100 / 3, clipped at 3), sqrt err, sqrt warn, clock off
    0, 3, 0.2, 0.5, 0, 0,
    1.3862944, -1.5350567, 0, 0.1, 0, 0,
    -1.3862944, -1.5350567, 0, 1, 0, 0,
  ]);
  const negative: SeriesPoint[] = [{ t: 0, value: 100, warnRate: -0.3, errorRate: -1 }];
  const one = new Float32Array(FEATURE_COUNT);
  encodeWindow((i) => negative[i] as SeriesPoint, 1, norm, one, 0);
  close(one, [0, 0, 0, 0, 0, 0]);
});

test('encodeWindow: the clock features follow the warn rate when a day of history turns them on', () => {
  const p: SeriesPoint = { t: 6 * 3_600_000, value: 80, throughput: 10, errorRate: 0.01, warnRate: 0.09 };
  const out = new Float32Array(FEATURE_COUNT);
  encodeWindow(() => p, 1, { latencyScale: 1, throughputScale: 1, timeOfDay: true }, out, 0);
  close(out, [0, 0, 0.1, 0.3, 1, 0]);
});

test('warn rate of a window: warn, error and fatal lines over all lines', () => {
  assert.equal(warnRateOf(metric({ count: 200, levels: { debug: 10, info: 140, warn: 30, error: 15, fatal: 5 } })), 0.25);
  assert.equal(warnRateOf(metric({ count: 200, levels: { info: 200 } })), 0);
  assert.equal(warnRateOf(metric({ count: 0, levels: {} })), 0, 'an empty window has no warnings, not NaN');
  assert.equal(warnRateOf(metric({ count: 4, levels: { warn: 9 } })), 1, 'inconsistent counts are capped at 1');
});

test('toSeriesPoint carries the warn rate with the other covariates', () => {
  assert.deepEqual(toSeriesPoint(metric({ windowStart: STEP, count: 50, errorRate: 0.02, levels: { info: 40, warn: 8, error: 2 } })),
    { t: STEP, value: 120, throughput: 50, errorRate: 0.02, warnRate: 0.2 });
  assert.equal(toSeriesPoint(metric({ latency: null, levels: { warn: 10 } })), null);
  const s = collectSeries([metric({ windowStart: 0, levels: { info: 150, warn: 50 } }), metric({ windowStart: STEP, levels: { info: 200 } })]);
  assert.deepEqual(s.get('svc')?.map((p) => p.warnRate), [0.25, 0]);
});
