// Cost of the models stage per 1-minute window at 1k / 2.5k / 5k / 10k services with every
// forecaster (the statistical ones, load_curve and saturation for detection, and the TF.js
// model with its predictions batched), and the memory each service keeps (issue #16).
//   node --import tsx bench/models.ts [SERVICES...]   (default 1000 2500 5000 10000)
// One JSON line per service count, then a summary with the per-series TF.js reference:
// one predict per series against one batched predict for the same rows, in the same run.
// Times are CPU time of this process (the machine is shared); retained bytes are V8 heap
// after a full GC, before the stage is made and after it holds every service.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock } from '../core/clock.ts';
import { Telemetry } from '../core/telemetry.ts';
import type { MetricPoint } from '../ingest/types.ts';
import { createForecasting, modelsConfigSchema } from '../models/index.ts';
import { horizonSteps } from '../models/config.ts';
import { createMemoryModelStore, loadModel, loadTf, predictBatch, saveModel, TfForecaster, trainModel } from '../models/tfjs/index.ts';
import type { SeriesPoint } from '../models/types.ts';
import { cpuMs, goal, loadNote } from './lib/measure.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SERVICES = counts.length ? counts : [1000, 2500, 5000, 10_000];
const STEP = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const MODEL_WINDOW = 12;
const WARM = 14; // windows before timing: past every forecaster's minimum history (10) and the model's window
const TIMED = 3;
const p95 = (s: number, i: number): number => 100 + 40 * Math.sin(i / 60 + s) + ((i * 7919 + s * 31) % 13);

const config = modelsConfigSchema.parse({
  maxServices: Math.max(...SERVICES), minWindowsForSlot: 1,
  detectionForecasters: ['saturation', 'load_curve'],
  tfjs: { enabled: true, pollSeconds: 0 },
});
const { tf, backend } = await loadTf({ preferNative: true });
const series: SeriesPoint[][] = Array.from({ length: 4 }, (_, s) => Array.from({ length: 400 }, (_, i) => ({ t: T0 + i * STEP, value: p95(s, i), throughput: 100, errorRate: 0 })));
const trained = await trainModel(series, { tf, window: MODEL_WINDOW, horizon: horizonSteps(config), quantiles: config.quantiles, stepMs: STEP, epochs: 2, seed: 1 });
const store = createMemoryModelStore();
await saveModel(tf, store, config.tfjs.modelName, trained);
trained.model.dispose();

function windowPoints(services: number, i: number): MetricPoint[] {
  const batch: MetricPoint[] = [];
  for (let s = 0; s < services; s++) {
    const v = p95(s, i);
    batch.push({ service: `svc-${s}`, windowStart: T0 + i * STEP, windowMs: STEP, count: 100 + (s % 7), errors: 0, errorRate: 0, latency: { p50: v / 2, p95: v, p99: v, max: v, mean: v / 2 }, latencyCount: 100, levels: {}, topTemplates: [] });
  }
  return batch;
}

const rows: Array<{ services: number; msPerWindow: number; usPerServiceWindow: number; retainedKBPerService: number }> = [];
for (const services of SERVICES) {
  const before = heap();
  const stage = createForecasting(config, { telemetry: new Telemetry(), clock: new ManualClock(0), modelStore: store });
  await stage.start();
  for (let i = 0; i < WARM; i++) stage.handle(windowPoints(services, i));
  const windows = Array.from({ length: TIMED }, (_, k) => windowPoints(services, WARM + k));
  let ms = Infinity;
  let tfUsed = 0;
  for (const w of windows) {
    ms = Math.min(ms, cpuMs(() => { tfUsed = stage.handle(w).filter((u) => u.forecast !== null).length; }));
  }
  const retained = heap() - before;
  const health = stage.health().detail as { services: number; tfjs: { status: string } };
  const row = { services, msPerWindow: Math.round(ms), usPerServiceWindow: Math.round((ms * 1000) / services), retainedKBPerService: Number((retained / 1024 / services).toFixed(1)) };
  rows.push(row);
  // Linear in services: the reference is the first (smallest) count's cost per service-window
  // in this run, and flat means a ratio of at most 1.1.
  const first = rows[0] as typeof row;
  const ratio = row.usPerServiceWindow / first.usPerServiceWindow;
  console.log(JSON.stringify({
    bench: 'models', ...row, tfjs: health.tfjs.status, backend, forecasts: tfUsed, windowsTimed: TIMED,
    reference: { what: `µs per service-window at ${first.services} services, same run`, usPerServiceWindow: first.usPerServiceWindow },
    ratio: Number(ratio.toFixed(2)),
    goals: [goal('ms per window', ms, 1000, true), goal('retained KB per service', retained / 1024 / services, 16, true), goal(`µs per service-window / at ${first.services} services`, ratio, 1.1, true)],
    ...loadNote(),
  }));
  await stage.stop();
}

// The TF.js reference: the same rows, one predict each (as before batching) and one batch.
const model = await loadModel(tf, store, config.tfjs.modelName, { stepMs: STEP, horizon: horizonSteps(config), quantiles: config.quantiles });
const N = 1000;
const fs = Array.from({ length: N }, (_, s) => {
  const f = new TfForecaster(tf, model, { stepMs: STEP });
  for (let i = 0; i < MODEL_WINDOW; i++) f.observe({ t: T0 + i * STEP, value: p95(s, i), throughput: 100, errorRate: 0 });
  return f;
});
const next = (s: number): SeriesPoint => ({ t: T0 + MODEL_WINDOW * STEP, value: p95(s, MODEL_WINDOW), throughput: 100, errorRate: 0 });
const perSeriesMs = cpuMs(() => { fs.forEach((f, s) => { f.observe(next(s)); f.forecast(horizonSteps(config), config.quantiles); }); });
const fs2 = fs.map((f, s) => ({ f, next: next(s) }));
const batchedMs = cpuMs(() => predictBatch(tf, model, fs2));

const first = rows[0];
const last = rows[rows.length - 1];
console.log(JSON.stringify({
  bench: 'models', summary: true, backend,
  tfjsPredict: { rows: N, perSeriesMs: Math.round(perSeriesMs), batchedMs: Math.round(batchedMs), speedup: Number((perSeriesMs / batchedMs).toFixed(1)) },
  linearity: first && last ? { from: first.services, to: last.services, usPerServiceWindowRatio: Number((last.usPerServiceWindow / first.usPerServiceWindow).toFixed(2)) } : null,
  rows, ...loadNote(),
}));
process.exit(0);
