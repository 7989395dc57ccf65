// Cost of the models stage per closed window, and of the TF.js model (train, one predict).
// Usage: node --import tsx bench/forecasting.ts [SERVICES] [WINDOWS] [--cpu]   (one JSON line on stdout)
// --cpu forces the pure-JavaScript backend even when @tensorflow/tfjs-node loads.
import { ManualClock } from '../core/clock.ts';
import { Telemetry } from '../core/telemetry.ts';
import type { MetricPoint } from '../ingest/types.ts';
import { createForecasting, modelsConfigSchema } from '../models/index.ts';
import { loadTf, trainModel, TfForecaster } from '../models/tfjs/index.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SERVICES = Number(args[0] ?? 50);
const WINDOWS = Number(args[1] ?? 600);
const STEP = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const p95 = (s: number, i: number): number => 100 + 40 * Math.sin(i / 60 + s) + ((i * 7919 + s * 31) % 13);

const stage = createForecasting(modelsConfigSchema.parse({ tfjs: { enabled: false } }), { telemetry: new Telemetry(), clock: new ManualClock(0) });
let t = performance.now();
for (let i = 0; i < WINDOWS; i++) {
  const batch: MetricPoint[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const v = p95(s, i);
    batch.push({ service: `svc-${s}`, windowStart: T0 + i * STEP, windowMs: STEP, count: 100, errors: 0, errorRate: 0, latency: { p50: v / 2, p95: v, p99: v, max: v, mean: v / 2 }, latencyCount: 100, levels: {}, topTemplates: [] });
  }
  stage.handle(batch);
}
const statUsPerWindow = ((performance.now() - t) * 1000) / (SERVICES * WINDOWS);

const { tf, backend } = await loadTf({ preferNative: !process.argv.includes('--cpu') });
const series = Array.from({ length: 8 }, (_, s) => Array.from({ length: 1440 }, (_, i) => ({ t: T0 + i * STEP, value: p95(s, i), throughput: 100, errorRate: 0 })));
t = performance.now();
const trained = await trainModel(series, { tf, window: 32, horizon: 30, quantiles: [0.1, 0.5, 0.9], stepMs: STEP, epochs: 5, seed: 1 });
const trainMs = performance.now() - t;
const f = new TfForecaster(tf, trained, { stepMs: STEP });
const s0 = series[0] ?? [];
for (const p of s0.slice(0, 32)) f.observe(p);
t = performance.now();
let calls = 0;
for (const p of s0.slice(32, 1032)) { f.observe(p); f.forecast(30, [0.1, 0.5, 0.9]); calls++; }
const predictMs = (performance.now() - t) / calls;

console.log(JSON.stringify({
  bench: 'forecasting', services: SERVICES, windows: WINDOWS,
  statisticalUsPerServiceWindow: Number(statUsPerWindow.toFixed(1)),
  tfjs: { backend, samples: trained.meta.trainedOn.samples, epochs: 5, trainMs: Math.round(trainMs), predictMsPerCall: Number(predictMs.toFixed(3)), finalLoss: trained.meta.training.finalLoss },
}));
