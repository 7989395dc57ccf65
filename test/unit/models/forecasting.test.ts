import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createForecasting, modelsConfigSchema, horizonSteps, coverageHorizon, type ModelsConfig } from '../../../models/index.ts';
import { choose, SkillTracker } from '../../../models/selection.ts';
import { loadTf, trainModel, saveModel, createMemoryModelStore } from '../../../models/tfjs/index.ts';
import { ManualClock } from '../../../core/clock.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import type { ForecastUpdate } from '../../../models/types.ts';

const STEP = 60_000;
const T0 = 1_700_006_400_000; // a midnight UTC

function point(service: string, i: number, p95: number | null): MetricPoint {
  return {
    service, windowStart: T0 + i * STEP, windowMs: STEP, count: 100, errors: 1, errorRate: 0.01,
    latency: p95 === null ? null : { p50: p95 / 2, p95, p99: p95 * 1.5, max: p95 * 2, mean: p95 / 2 },
    latencyCount: p95 === null ? 0 : 100, levels: { info: 99, error: 1 }, topTemplates: [],
  };
}

const noTf = modelsConfigSchema.parse({ tfjs: { enabled: false } });

function stage(config: ModelsConfig = noTf, telemetry = new Telemetry()): ReturnType<typeof createForecasting> {
  return createForecasting(config, { telemetry, clock: new ManualClock(0) });
}

test('config: defaults, cross-field rules, unknown keys', () => {
  const c = modelsConfigSchema.parse({});
  assert.equal(c.horizonMinutes, 40);
  assert.equal(c.stepMs, 60_000);
  assert.deepEqual(c.quantiles, [0.1, 0.5, 0.9]);
  assert.deepEqual(c.tfjs, {
    enabled: true, modelDir: 'var/models', modelName: 'latency-p95', pollSeconds: 30, trialScored: 200, trialTolerance: 0,
    retrain: { enabled: false, everyMinutes: 360, minPoints: 2000, maxPointsPerService: 2880, epochs: 150 },
  });
  assert.equal(coverageHorizon(c), 15);
  assert.equal(coverageHorizon(modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5] } })), 10);
  assert.equal(modelsConfigSchema.safeParse({ horizonMinutes: 10, selection: { horizons: [5], coverageHorizon: 15 } }).success, false);
  assert.equal(horizonSteps(c), 40);
  assert.equal(modelsConfigSchema.safeParse({ horizonMinutes: 4 }).success, false);
  assert.equal(modelsConfigSchema.safeParse({ stepMs: 7_000 }).success, false, 'horizon not a whole number of steps');
  assert.equal(modelsConfigSchema.safeParse({ quantiles: [0.1, 0.9] }).success, false, 'no median');
  assert.equal(modelsConfigSchema.safeParse({ quantiles: [0.5, 0.1] }).success, false, 'not increasing');
  assert.equal(modelsConfigSchema.safeParse({ horizonMinutes: 10, selection: { horizons: [5, 15] } }).success, false, 'selection beyond horizon');
  assert.equal(modelsConfigSchema.safeParse({ tfjs: { enabled: false, extra: 1 } }).success, false);
});

test('one update per window; null until enough history; windows without latency pass through as null', () => {
  const f = stage();
  const out: ForecastUpdate[] = [];
  for (let i = 0; i < 12; i++) out.push(...f.handle([point('api', i, i === 3 ? null : 100 + i)]));
  assert.equal(out.length, 12);
  assert.deepEqual(out[3], { service: 'api', metric: 'latency_p95', windowStart: T0 + 3 * STEP, observed: null, forecast: null, forecaster: 'damped_trend' });
  // minHistory 10 latency points: the 10th arrives at window 10 (window 3 had none).
  assert.equal(out[9]?.forecast, null);
  const last = out[10];
  assert.equal(last?.observed, 110);
  assert.equal(last?.forecaster, 'damped_trend');
  assert.equal(last?.forecast?.steps, 40);
  assert.equal(last?.forecast?.origin, T0 + 10 * STEP);
  assert.deepEqual(last?.forecast?.quantiles, [0.1, 0.5, 0.9]);
  // Duplicate or late windows are ignored rather than fed backwards in time.
  assert.deepEqual(f.handle([point('api', 5, 100)]), []);
  assert.deepEqual(f.health().detail?.services, 1);
});

test('the same input gives the same updates', () => {
  const pts = Array.from({ length: 80 }, (_, i) => point(i % 2 === 0 ? 'a' : 'b', Math.floor(i / 2), 100 + 30 * Math.sin(i / 9) + (i % 7)));
  assert.deepEqual(stage().handle(pts), stage().handle(pts));
});

test('skill tracker scores the h-step median against what arrived', () => {
  const s = new SkillTracker([1, 2], 0.5);
  const fc = { origin: 0, stepMs: 10, steps: 2, quantiles: [0.5], paths: { p50: [100, 200] }, forecaster: 'x', modelVersion: 'x' };
  s.record(fc);
  s.observe(10, 100);
  assert.equal(s.scored, 0, 'h=2 not scored yet');
  s.observe(20, 100);
  assert.equal(s.scored, 1);
  assert.ok(Math.abs(s.error - Math.log(2) / 2) < 1e-12, String(s.error));
});

test('choice: preferred first, then the scored best, replaced only by a clear margin', () => {
  const rules = { minScored: 5, margin: 0.1, preferred: 'b' };
  const c = (name: string, scored: number, error: number, available = true) => ({ name, scored, error, available });
  assert.equal(choose([c('a', 0, Infinity), c('b', 0, Infinity)], undefined, rules), 'b');
  assert.equal(choose([c('a', 0, Infinity), c('b', 0, Infinity, false)], undefined, rules), 'a');
  assert.equal(choose([c('a', 0, Infinity), c('b', 0, Infinity)], 'a', rules), 'b', 'preferred takes over before scoring');
  assert.equal(choose([c('a', 5, 0.2), c('b', 5, 0.3)], 'b', rules), 'a');
  assert.equal(choose([c('a', 5, 0.28), c('b', 5, 0.3)], 'b', rules), 'b', 'within the margin: keep');
  assert.equal(choose([c('a', 5, 0.1), c('b', 4, 0.05)], 'a', rules), 'a', 'b not scored enough');
});

test('switches to seasonal naive on a repeating daily pattern and reports it', async () => {
  const telemetry = new Telemetry();
  const f = stage(noTf, telemetry);
  // Two hours at 80 ms, two at 240 ms, repeated every day: last-day is exact, trends overshoot.
  const pattern = (i: number): number => (Math.floor((i % 1440) / 120) % 2 === 0 ? 80 : 240);
  let last: ForecastUpdate | undefined;
  for (let i = 0; i < 1440 * 2; i++) last = f.handle([point('api', i, pattern(i))])[0];
  assert.equal(last?.forecaster, 'seasonal_naive');
  assert.deepEqual(last?.forecast?.paths.p50?.slice(0, 3), [pattern(2880), pattern(2881), pattern(2882)]);
  const metric = await telemetry.registry.getSingleMetricAsString('foresight_forecaster_in_use');
  assert.match(metric, /service="api",forecaster="seasonal_naive"} 1/);
  assert.match(metric, /service="api",forecaster="damped_trend"} 0/);
});

test('tfjs forecaster joins when a compatible model is in the store; missing model degrades to statistical', async () => {
  const { tf } = await loadTf();
  const config = modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5], preferred: 'tfjs_mlp' } });
  const series = [Array.from({ length: 200 }, (_, i) => ({ t: T0 + i * STEP, value: 100 + 30 * Math.sin(i / 10), throughput: 100, errorRate: 0.01 }))];
  const trained = await trainModel(series, { tf, window: 12, horizon: 10, quantiles: config.quantiles, stepMs: STEP, epochs: 1, seed: 1 });
  const store = createMemoryModelStore();
  await saveModel(tf, store, 'latency-p95', trained);
  trained.model.dispose();

  const f = createForecasting(config, { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: store });
  await f.start();
  assert.equal((f.health().detail?.tfjs as { status: string }).status, 'loaded');
  let last: ForecastUpdate | undefined;
  // The model needs 12 points; nothing is scored before window 15 (h = 5 from window 10),
  // so the statistical ones publish from window 9 (10th point) and the preferred tfjs
  // forecaster takes over at window 11 (its 12th point).
  const chosen: string[] = [];
  for (let i = 0; i < 14; i++) {
    last = f.handle([point('api', i, 100 + 30 * Math.sin(i / 10))])[0];
    if (last?.forecast) chosen.push(last.forecaster);
  }
  assert.deepEqual(chosen, ['damped_trend', 'damped_trend', 'tfjs_mlp', 'tfjs_mlp', 'tfjs_mlp']);
  assert.equal(last?.forecast?.forecaster, 'tfjs_mlp');
  assert.equal(last?.forecast?.steps, 10);
  await f.stop();
  await f.stop();

  const g = createForecasting(config, { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: createMemoryModelStore() });
  await g.start();
  const h = g.health().detail?.tfjs as { status: string; reason: string };
  assert.equal(h.status, 'unavailable');
  assert.match(h.reason, /no model named "latency-p95"/);
  for (let i = 0; i < 20; i++) last = g.handle([point('api', i, 100)])[0];
  assert.equal(last?.forecaster, 'damped_trend');
  assert.deepEqual(last?.forecast?.paths.p50?.slice(0, 2), [100, 100]);
});

test('TensorFlow.js is loaded only once the store holds a model (no native library mapped for nothing)', async () => {
  const config = modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5] } });
  const store = createMemoryModelStore();
  let loads = 0;
  const counting: typeof loadTf = (opts) => { loads++; return loadTf(opts); };
  const f = createForecasting(config, { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: store, loadTf: counting });
  await f.start();
  await f.checkForModel();
  assert.equal(loads, 0);
  assert.equal((f.health().detail?.tfjs as { status: string }).status, 'unavailable');

  const { tf } = await loadTf();
  const series = [Array.from({ length: 100 }, (_, i) => ({ t: T0 + i * STEP, value: 100 + i % 7, throughput: 100, errorRate: 0.01 }))];
  const trained = await trainModel(series, { tf, window: 12, horizon: 10, quantiles: config.quantiles, stepMs: STEP, epochs: 1, seed: 1 });
  await saveModel(tf, store, 'latency-p95', trained);
  trained.model.dispose();
  await f.checkForModel();
  assert.equal(loads, 1);
  assert.equal((f.health().detail?.tfjs as { status: string }).status, 'loaded');
  await f.stop();
});

test('detection forecasts: the saturation forecast rides along for the breach detector unless it is the chosen one', () => {
  const out: ForecastUpdate[] = [];
  const f = stage();
  for (let i = 0; i < 12; i++) out.push(...f.handle([point('api', i, 100 + i)]));
  const last = out[11];
  assert.equal(last?.forecaster, 'damped_trend');
  assert.deepEqual(last?.detectionForecasts?.map((x) => x.forecaster), ['saturation']);
  assert.equal(last?.detectionForecasts?.[0]?.origin, T0 + 11 * STEP);
  const none = stage(modelsConfigSchema.parse({ tfjs: { enabled: false }, detectionForecasters: [] }));
  let u: ForecastUpdate | undefined;
  for (let i = 0; i < 12; i++) u = none.handle([point('api', i, 100 + i)])[0];
  assert.equal(u?.detectionForecasts, undefined);
});

test('load_curve runs only when listed in detectionForecasters, and unknown forecaster names are rejected', () => {
  const surge = (i: number): MetricPoint => {
    // Load climbs 4 requests a window from 100; latency follows a queue with capacity 400.
    const count = 100 + 4 * Math.max(0, i - 40);
    const p95 = 20 / (1 - count / 400) * (1 + 0.02 * Math.sin(i * 1.7));
    return { ...point('api', i, p95), count };
  };
  const run = (names: string[]): string[] => {
    const f = stage(modelsConfigSchema.parse({ tfjs: { enabled: false }, detectionForecasters: names }));
    let u: ForecastUpdate | undefined;
    for (let i = 0; i < 70; i++) u = f.handle([surge(i)])[0];
    return (u?.detectionForecasts ?? []).map((x) => x.forecaster).sort();
  };
  assert.deepEqual(run(['saturation']), ['saturation']);
  assert.deepEqual(run(['saturation', 'load_curve']), ['load_curve', 'saturation']);
  assert.deepEqual(run(['saturation', 'queue_curve']), ['queue_curve', 'saturation']);
  assert.equal(modelsConfigSchema.safeParse({ detectionForecasters: ['load-curve'] }).success, false);
  assert.deepEqual(modelsConfigSchema.parse({}).detectionForecasters, ['saturation', 'queue_curve']);
});
