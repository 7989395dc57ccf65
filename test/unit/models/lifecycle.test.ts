import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createForecasting, modelsConfigSchema, type ModelsConfig } from '../../../models/index.ts';
import { loadTf, trainModel, saveModel, toStored, createMemoryModelStore, createFileModelStore, type Tf, type TrainedModel } from '../../../models/tfjs/index.ts';
import { ManualClock } from '../../../core/clock.ts';
import { createLogger } from '../../../core/log.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import type { MetricPoint } from '../../../ingest/types.ts';

const STEP = 60_000;
const T0 = 1_700_006_400_000;
const Q = [0.1, 0.5, 0.9];

function point(service: string, i: number, p95: number): MetricPoint {
  return {
    service, windowStart: T0 + i * STEP, windowMs: STEP, count: 100, errors: 1, errorRate: 0.01,
    latency: { p50: p95 / 2, p95, p99: p95 * 1.5, max: p95 * 2, mean: p95 / 2 },
    latencyCount: 100, levels: { info: 99, error: 1 }, topTemplates: [],
  };
}

/** A gently wavy series: the window-mean forecast of an untrained model is close to it. */
const value = (s: number, i: number): number => 100 + 5 * Math.sin(i / 6 + s);

let tf: Tf;

/**
 * An untrained model (zero output layer) forecasts the window's base: a good forecaster
 * here. `offset` shifts its output so it forecasts e^(offset * scale) times too high.
 */
async function model(offset: number, now: number): Promise<TrainedModel> {
  const series = [Array.from({ length: 60 }, (_, i) => ({ t: T0 + i * STEP, value: value(0, i), throughput: 100, errorRate: 0.01 }))];
  const m = await trainModel(series, { tf, window: 8, horizon: 10, quantiles: Q, stepMs: STEP, epochs: 0, hidden: 4, now });
  if (offset !== 0) {
    const last = m.model.layers[m.model.layers.length - 1];
    const [kernel, bias] = last?.getWeights() ?? [];
    if (!kernel || !bias) throw new Error('no output weights');
    last?.setWeights([kernel, tf.add(bias, offset)]);
  }
  return m;
}

function config(over: Record<string, unknown> = {}): ModelsConfig {
  return modelsConfigSchema.parse({
    horizonMinutes: 10, selection: { horizons: [5], preferred: 'damped_trend', minScored: 3 },
    tfjs: { pollSeconds: 0, trialScored: 20, ...over },
  });
}

async function counter(t: Telemetry, event: string): Promise<number> {
  const m = await t.registry.getSingleMetric('foresight_model_events_total')?.get();
  return m?.values.find((v) => v.labels.event === event)?.value ?? 0;
}

test('setup', async () => {
  ({ tf } = await loadTf());
});

test('hot swap: a newer version runs on trial and is promoted when it does better live', async () => {
  const store = createMemoryModelStore();
  const bad = await model(30, Date.UTC(2026, 0, 1));
  await saveModel(tf, store, 'latency-p95', bad);
  const telemetry = new Telemetry();
  const f = createForecasting(config(), { telemetry, clock: new ManualClock(0), modelStore: store });
  await f.start();
  const h = () => f.health().detail?.tfjs as { status: string; version?: string; trial?: string | null; rejected?: string[] };
  assert.equal(h().version, bad.meta.version);
  let i = 0;
  const feed = (n: number): void => { for (const end = i + n; i < end; i++) f.handle([point('a', i, value(0, i)), point('b', i, value(1, i))]); };
  feed(30);

  const good = await model(0, Date.UTC(2026, 0, 2));
  await saveModel(tf, store, 'latency-p95', good);
  await f.checkForModel();
  assert.equal(h().trial, good.meta.version, 'on trial beside the current one');
  assert.equal(h().version, bad.meta.version);
  // Two services, one tracked horizon: 20 scored forecasts take 10 windows after the first 5.
  feed(16);
  assert.deepEqual({ version: h().version, trial: h().trial }, { version: good.meta.version, trial: null });
  assert.equal(await counter(telemetry, 'promoted'), 1);
  await f.stop();
});

test('hot swap: a worse version is rolled back, a broken one never replaces the current', async () => {
  const store = createMemoryModelStore();
  const good = await model(0, Date.UTC(2026, 0, 1));
  await saveModel(tf, store, 'latency-p95', good);
  const telemetry = new Telemetry();
  const f = createForecasting(config(), { telemetry, clock: new ManualClock(0), modelStore: store });
  await f.start();
  const h = () => f.health().detail?.tfjs as { status: string; version?: string; trial?: string | null; rejected?: string[] };
  let i = 0;
  const feed = (n: number): void => { for (const end = i + n; i < end; i++) f.handle([point('a', i, value(0, i)), point('b', i, value(1, i))]); };
  feed(30);

  const bad = await model(30, Date.UTC(2026, 0, 2));
  await saveModel(tf, store, 'latency-p95', bad);
  await f.checkForModel();
  assert.equal(h().trial, bad.meta.version);
  feed(16);
  assert.deepEqual({ version: h().version, trial: h().trial, rejected: h().rejected }, { version: good.meta.version, trial: null, rejected: [bad.meta.version] });
  assert.equal(await counter(telemetry, 'rolled_back'), 1);
  await f.checkForModel();
  assert.equal(h().trial, null, 'a rolled-back version is not tried again');

  // A version whose weights are truncated fails to load; the current model stays.
  const broken = await toStored(tf, await model(1, Date.UTC(2026, 0, 3)));
  await store.save('latency-p95', { ...broken, weights: broken.weights.slice(0, 8) });
  await f.checkForModel();
  assert.deepEqual({ status: h().status, version: h().version, trial: h().trial }, { status: 'loaded', version: good.meta.version, trial: null });
  assert.ok(h().rejected?.includes(broken.version));
  assert.equal(await counter(telemetry, 'load_failed'), 1);
  await f.stop();
});

test('a rolled-back or unloadable version is taken out of the file store CURRENT, so a restart loads the serving one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-rollback-'));
  try {
    const store = createFileModelStore(dir);
    const good = await model(0, Date.UTC(2026, 0, 1));
    await saveModel(tf, store, 'latency-p95', good);
    const f = createForecasting(config(), { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: store });
    await f.start();
    const h = () => f.health().detail?.tfjs as { version?: string; trial?: string | null };
    let i = 0;
    const feed = (n: number): void => { for (const end = i + n; i < end; i++) f.handle([point('a', i, value(0, i)), point('b', i, value(1, i))]); };
    feed(30);
    const bad = await model(30, Date.UTC(2026, 0, 2));
    await saveModel(tf, store, 'latency-p95', bad);
    assert.equal(await store.current('latency-p95'), bad.meta.version, 'a new save is current until it loses its trial');
    await f.checkForModel();
    feed(16);
    assert.equal(h().version, good.meta.version);
    // A version that cannot load is rolled back in the store too.
    const broken = await toStored(tf, await model(1, Date.UTC(2026, 0, 3)));
    await store.save('latency-p95', { ...broken, weights: broken.weights.slice(0, 8) });
    await f.checkForModel();
    await f.stop();
    assert.equal(await store.current('latency-p95'), good.meta.version);
    const events = (await store.history('latency-p95')).map((e) => [e.event, e.version, e.from ?? null]);
    assert.deepEqual(events, [
      ['promoted', good.meta.version, null], ['promoted', bad.meta.version, null], ['rolled_back', good.meta.version, bad.meta.version],
      ['promoted', broken.version, null], ['rolled_back', good.meta.version, broken.version],
    ]);
    const reasons = (await store.history('latency-p95')).filter((e) => e.event === 'rolled_back').map((e) => e.reason);
    assert.match(reasons[0] as string, /^trial lost: error [\d.]+ vs [\d.]+ of the serving version over \d+ forecasts$/);
    assert.match(reasons[1] as string, /^failed to load: /);

    // The restart: a fresh stage on the same store loads the version that was serving.
    const again = createForecasting(config(), { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: createFileModelStore(dir) });
    await again.start();
    assert.equal((again.health().detail?.tfjs as { version?: string }).version, good.meta.version);
    await again.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('live accountability: a model that does worse than a baseline is not used there, and the switch is logged and counted', async () => {
  const store = createMemoryModelStore();
  await saveModel(tf, store, 'latency-p95', await model(30, Date.UTC(2026, 0, 1)));
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const telemetry = new Telemetry(createLogger({ level: 'info', pretty: false, destination: sink }));
  const cfg = modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5], preferred: 'tfjs_mlp', minScored: 3 }, tfjs: { pollSeconds: 0 } });
  const f = createForecasting(cfg, { telemetry, clock: new ManualClock(0), modelStore: store });
  await f.start();
  const chosen: string[] = [];
  for (let i = 0; i < 30; i++) {
    const u = f.handle([point('a', i, value(0, i))])[0];
    if (u?.forecast && chosen[chosen.length - 1] !== u.forecaster) chosen.push(u.forecaster);
  }
  // Preferred while nothing is scored (its 8-point window fills before the baselines' 10),
  // then the best scored forecaster: a baseline, since the model forecasts 2.5x too high.
  assert.deepEqual(chosen, ['tfjs_mlp', 'seasonal_naive']);
  const switched = lines.map((l) => JSON.parse(l) as { msg: string; forecaster?: string; previous?: string }).filter((l) => l.msg === 'forecaster switched');
  assert.deepEqual(switched.map((l) => [l.previous, l.forecaster]), [['tfjs_mlp', 'seasonal_naive']]);
  const metric = await telemetry.registry.getSingleMetricAsString('foresight_forecaster_in_use');
  assert.match(metric, /service="a",forecaster="seasonal_naive"} 1/);
  assert.match(metric, /service="a",forecaster="tfjs_mlp"} 0/);
  await f.stop();
});

test('interval coverage at the coverage horizon is in health() and the Prometheus gauge', async () => {
  const telemetry = new Telemetry();
  const cfg = modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5] }, tfjs: { enabled: false } });
  const f = createForecasting(cfg, { telemetry, clock: new ManualClock(0) });
  await f.start();
  // Constant: every band collapses onto the value, which is then inside it (p10 <= y <= p90).
  for (let i = 0; i < 40; i++) f.handle([point('a', i, 100)]);
  const cov = f.health().detail?.coverage as { horizon: number; nominal: number; byForecaster: Record<string, { recent: number; overall: number; n: number }> };
  assert.equal(cov.horizon, 10);
  assert.equal(cov.nominal, 0.8);
  // minHistory 10: first forecasts at window 9, scored from window 19 to 39.
  assert.deepEqual(cov.byForecaster.seasonal_naive, { recent: 1, overall: 1, n: 21 });
  assert.deepEqual(cov.byForecaster.published, { recent: 1, overall: 1, n: 21 });
  // Every band covered: calibration never narrows below the forecasters' own bands (minScale 1).
  const calib = (f.health().detail?.coverage as { calibration: Record<string, { mean: number; max: number }> }).calibration;
  assert.deepEqual(calib.seasonal_naive, { mean: 1, max: 1 });
  assert.deepEqual(Object.keys(calib).sort(), ['damped_trend', 'queue_curve', 'saturation', 'seasonal_naive', 'theil_sen']);
  const g = await telemetry.registry.getSingleMetricAsString('foresight_forecast_interval_coverage');
  assert.match(g, /forecaster="published"} 1/);
  await f.stop();
});

test('retrain in a worker thread: trains on the stage history and saves a version to the store', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-retrain-'));
  try {
    const cfg = modelsConfigSchema.parse({
      horizonMinutes: 10, selection: { horizons: [5] },
      tfjs: { modelDir: dir, pollSeconds: 0, retrain: { enabled: false, minPoints: 200, epochs: 2 } },
    });
    const telemetry = new Telemetry();
    const f = createForecasting(cfg, { telemetry, clock: new ManualClock(0) });
    await f.start();
    for (let i = 0; i < 150; i++) f.handle([point('a', i, value(0, i)), point('b', i, value(1, i))]);
    const t0 = performance.now();
    await f.retrainNow();
    t.diagnostic(`retrain roundtrip ms=${(performance.now() - t0).toFixed(0)}`);
    const retrain = f.health().detail?.retrain as { runs: number; last: { ok: boolean; version: string; promoted: boolean; error?: string } };
    assert.equal(retrain.runs, 1);
    assert.equal(retrain.last.ok, true, retrain.last.error);
    const store = createFileModelStore(dir);
    assert.deepEqual(await store.versions('latency-p95'), [retrain.last.version]);
    assert.equal(await store.current('latency-p95'), retrain.last.promoted ? retrain.last.version : null);
    if (retrain.last.promoted) {
      await f.checkForModel();
      assert.equal((f.health().detail?.tfjs as { version: string }).version, retrain.last.version);
    }
    await f.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('calibration widens the bands of a forecaster that misses, and health() says by how much', async () => {
  const cfg = modelsConfigSchema.parse({ horizonMinutes: 10, selection: { horizons: [5] }, tfjs: { enabled: false } });
  const f = createForecasting(cfg, { telemetry: new Telemetry(), clock: new ManualClock(0) });
  await f.start();
  // A level that jumps between 100 and 400 every 7 windows: trend lines and last values both miss.
  for (let i = 0; i < 120; i++) f.handle([point('a', i, Math.floor(i / 7) % 2 === 0 ? 100 : 400)]);
  const calib = (f.health().detail?.coverage as { calibration: Record<string, { mean: number; max: number }> }).calibration;
  const widest = Math.max(...Object.values(calib).map((c) => c.max));
  assert.ok(widest > 1.5, JSON.stringify(calib));
  for (const c of Object.values(calib)) assert.ok(c.mean >= 1 && c.max <= 5, JSON.stringify(c));
  await f.stop();
});
