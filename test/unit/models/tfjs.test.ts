import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTf, trainModel, saveModel, loadModel, createFileModelStore, createMemoryModelStore, TfForecaster,
  MODEL_FORMAT_VERSION, type TrainedModel, type LoadedModel, type Tf,
} from '../../../models/tfjs/index.ts';
import { ForesightError } from '../../../core/errors.ts';
import type { Forecast, SeriesPoint } from '../../../models/types.ts';

const STEP = 60_000;
const Q = [0.1, 0.5, 0.9];
const REQ = { stepMs: STEP, horizon: 10, quantiles: Q };

function sine(n: number, phase: number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    t: i * STEP,
    value: 100 + 40 * Math.sin(i / 15 + phase),
    throughput: 50 + 10 * Math.cos(i / 15 + phase),
    errorRate: 0.01,
  }));
}

const series = [sine(300, 0), sine(300, 1.5)];
let tf: Tf;
let backend: string;
let trained: TrainedModel;
const losses: number[] = [];

const OPTS = { window: 16, horizon: 10, quantiles: Q, stepMs: STEP, epochs: 4, hidden: 16, l2: 0, learningRate: 0.01, seed: 7, now: 1_700_000_000_000 };

function train(seed = 7): Promise<TrainedModel> {
  return trainModel(series, { tf, ...OPTS, seed });
}

function forecastAfter(model: LoadedModel, points: readonly SeriesPoint[]): Forecast | null {
  const f = new TfForecaster(tf, model, { stepMs: STEP });
  for (const p of points) f.observe(p);
  return f.forecast(10, Q);
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ForesightError && err.code === 'MODEL_LOAD_FAILED' && pattern.test(err.message));
}

test('backend loads and says which it is', async (t) => {
  ({ tf, backend } = await loadTf());
  assert.ok(['tensorflow', 'cpu'].includes(backend), backend);
  assert.equal(tf.getBackend(), backend);
  t.diagnostic(`backend=${backend}`);
});

test('trains a small quantile model on a sine; the pinball loss falls', async (t) => {
  const t0 = performance.now();
  trained = await trainModel(series, { tf, ...OPTS, onEpoch: (_e, loss) => losses.push(loss) });
  t.diagnostic(`train ms=${(performance.now() - t0).toFixed(0)} samples=${trained.meta.trainedOn.samples} losses=${losses.map((l) => l.toFixed(4)).join(',')}`);
  assert.equal(losses.length, 4);
  assert.ok((losses[3] as number) < (losses[0] as number), `loss ${losses.join(' -> ')}`);
  // 275 windows per series; blocks of 10 with index 2 mod 5 (starts 20-29, 70-79, ...) validate.
  assert.deepEqual(trained.meta.trainedOn, { series: 2, services: 2, points: 600, samples: 2 * (275 - 55), files: [], from: 0, to: 299 * STEP });
  assert.equal(trained.meta.format, MODEL_FORMAT_VERSION);
  assert.match(trained.meta.version, /^20231114T221320Z-[0-9a-f]{8}$/);
  assert.equal(trained.meta.createdAt, '2023-11-14T22:13:20.000Z');
  assert.equal(trained.meta.normalisation.timeOfDay, false, 'five hours of history: no clock features');
  assert.ok(trained.meta.training.validationLoss !== null && trained.meta.training.bestEpoch !== null);
  assert.equal(trained.meta.training.backend, backend);
});

test('training is deterministic for a seed', async () => {
  const again = await train(7);
  const points = sine(40, 0.3);
  assert.deepEqual(forecastAfter(again, points), forecastAfter(trained, points));
  again.model.dispose();
});

test('forecasts: null until a full window, then ordered positive quantile paths', async (t) => {
  const f = new TfForecaster(tf, trained, { stepMs: STEP });
  const points = sine(60, 0.7);
  points.slice(0, 15).forEach((p) => f.observe(p));
  assert.equal(f.forecast(10, Q), null);
  f.observe(points[15] as SeriesPoint);
  assert.ok(f.forecast(10, Q));
  assert.equal(f.forecast(11, Q), null, 'beyond the trained horizon');
  assert.equal(f.forecast(5, [0.25, 0.5]), null, 'a quantile the model was not trained for');
  let calls = 0;
  const t0 = performance.now();
  for (const p of points.slice(16)) {
    f.observe(p);
    const fc = f.forecast(10, Q);
    calls++;
    assert.ok(fc);
    assert.equal(fc.origin, p.t);
    for (let h = 0; h < 10; h++) {
      const [a, b, c] = [fc.paths.p10?.[h], fc.paths.p50?.[h], fc.paths.p90?.[h]] as number[];
      assert.ok((a as number) > 0 && (a as number) <= (b as number) && (b as number) <= (c as number), `h=${h}: ${a} ${b} ${c}`);
    }
  }
  t.diagnostic(`predict ms/call=${((performance.now() - t0) / calls).toFixed(3)}`);
  // The sine is learnable: the median one step ahead is within 15% of the truth.
  const f2 = new TfForecaster(tf, trained, { stepMs: STEP });
  const test = sine(40, 2.2);
  test.slice(0, 30).forEach((p) => f2.observe(p));
  const p50 = f2.forecast(10, Q)?.paths.p50?.[0] as number;
  const truth = (test[30] as SeriesPoint).value;
  assert.ok(Math.abs(p50 - truth) / truth < 0.15, `p50 ${p50} vs ${truth}`);
});

test('save -> load roundtrip (memory and file stores) gives identical predictions', async () => {
  const points = sine(50, 1.1);
  const expected = forecastAfter(trained, points);
  assert.ok(expected);
  const mem = createMemoryModelStore();
  await saveModel(tf, mem, 'latency-p95', trained);
  const fromMem = await loadModel(tf, mem, 'latency-p95', REQ);
  assert.deepEqual(forecastAfter(fromMem, points), expected);
  assert.deepEqual(fromMem.meta, trained.meta);

  const dir = await mkdtemp(join(tmpdir(), 'foresight-models-'));
  try {
    const store = createFileModelStore(dir);
    await saveModel(tf, store, 'latency-p95', trained);
    assert.equal(await store.current('latency-p95'), trained.meta.version);
    const modelJson = JSON.parse(await readFile(join(dir, 'latency-p95', trained.meta.version, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
    assert.deepEqual(modelJson.weightsManifest[0]?.paths, ['weights.bin']);
    const fromFile = await loadModel(tf, store, 'latency-p95', REQ);
    assert.deepEqual(forecastAfter(fromFile, points), expected);
    await rejects(loadModel(tf, store, 'missing', REQ), /could not read model "missing".*no current version/);
    // A meta.json from another format version is refused: @2 is the format before the
    // warn-rate feature, whose 5-feature inputs this build would misread.
    assert.equal(MODEL_FORMAT_VERSION, 'tfjs-mlp-quantile@3');
    const metaPath = join(dir, 'latency-p95', trained.meta.version, 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metaPath, JSON.stringify({ ...meta, format: 'tfjs-mlp-quantile@2' }));
    await rejects(loadModel(tf, store, 'latency-p95', REQ), /format tfjs-mlp-quantile@2, this build reads tfjs-mlp-quantile@3/);
    await writeFile(metaPath, JSON.stringify({ ...meta, format: 'tfjs-mlp-quantile@1' }));
    await rejects(loadModel(tf, store, 'latency-p95', REQ), /format tfjs-mlp-quantile@1/);
    // The current format with the old feature list is refused too.
    const oldFeatures = ['rel_log_p95', 'rel_log_throughput', 'sqrt_error_rate', 'tod_sin', 'tod_cos'];
    await writeFile(metaPath, JSON.stringify({ ...meta, features: oldFeatures }));
    await rejects(loadModel(tf, store, 'latency-p95', REQ), /features \[rel_log_p95, rel_log_throughput, sqrt_error_rate, tod_sin, tod_cos\] differ from \[rel_log_p95, rel_log_throughput, sqrt_error_rate, sqrt_warn_rate, tod_sin, tod_cos\]/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('metadata that does not fit the configuration is rejected with MODEL_LOAD_FAILED', async () => {
  const mem = createMemoryModelStore();
  await saveModel(tf, mem, 'm', trained);
  await rejects(loadModel(tf, mem, 'm', { ...REQ, stepMs: 30_000 }), /trained on 60000 ms steps, configured 30000 ms/);
  await rejects(loadModel(tf, mem, 'm', { ...REQ, horizon: 30 }), /horizon 10 steps is shorter than the configured 30/);
  await rejects(loadModel(tf, mem, 'm', { ...REQ, quantiles: [0.05, 0.5, 0.95] }), /quantiles \[0.05, 0.95\]/);
  const stored = await mem.load('m');
  await mem.save('bad', { ...stored, meta: { ...(stored.meta as object), window: 'sixteen' } });
  await rejects(loadModel(tf, mem, 'bad', REQ), /meta.json is malformed: window/);
  // Metadata that lies about the network's shape is caught against the topology
  // (16 steps x 6 features in; the meta's 8-step window would mean 48).
  await mem.save('liar', { ...stored, meta: { ...(stored.meta as object), window: 8 } });
  await rejects(loadModel(tf, mem, 'liar', REQ), /has shape 96 -> 30, its meta.json says 48 -> 30/);
});
