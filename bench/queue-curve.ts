// CPU cost of the `queue_curve` detection forecaster (a default since 2d1dcaf) per service
// and window: on a service whose load is rising (the throughput-trend gate passes, so the
// M/M/c curve is fitted on its grid) and on one whose load is flat (the gate returns early).
// bench/models.ts keeps a constant throughput, so it never reaches the fit.
//   node --import tsx bench/queue-curve.ts [SERVICES]   (default 1000)
// One JSON line: CPU ms per service-window for each case, best of 3 rounds, and the
// projection to 10,000 services that all ramp at once (a fleet-wide morning rise).
import { modelsConfigSchema } from '../models/config.ts';
import { QueueCurveForecaster } from '../models/statistical/queue-curve.ts';
import { cpuMs, loadNote } from './lib/measure.ts';

const services = Number(process.argv[2] ?? 1000) || 1000;
const STEP = 60_000;
const HISTORY = 160;
const CAPACITY = 300;
const options = { stepMs: STEP, minHistory: 30, ...modelsConfigSchema.parse({}).queueCurve };
const quantiles = [0.1, 0.5, 0.9];
// p95 of a 3-server queue (Sakasegawa) with 3 % wobble.
const p95 = (load: number, k: number): number => 50 * (1 + 0.6 * Math.pow(load / CAPACITY, Math.sqrt(8) - 1) / (1 - load / CAPACITY)) * (1 + 0.03 * Math.sin(k * 1.7));

function fleet(load: (s: number, k: number) => number): QueueCurveForecaster[] {
  return Array.from({ length: services }, (_, s) => {
    const f = new QueueCurveForecaster(options);
    for (let k = 0; k < HISTORY; k++) f.observe({ t: k * STEP, value: p95(load(s, k), k + s), throughput: load(s, k), errorRate: 0 });
    return f;
  });
}

function measure(fs: QueueCurveForecaster[]): { cpuMsPerServiceWindow: number; forecastsMade: number } {
  let best = Infinity;
  let made = 0;
  for (let round = 0; round < 3; round++) {
    made = 0;
    best = Math.min(best, cpuMs(() => { for (const f of fs) if (f.forecast(40, quantiles)) made++; }));
  }
  return { cpuMsPerServiceWindow: Number((best / fs.length).toFixed(3)), forecastsMade: made };
}

// Rising: two hours around 150 req/min, then a 40-minute ramp toward the knee (to 278).
const rising = measure(fleet((s, k) => (k < 120 ? 150 + 10 * Math.sin(k / 9 + s) : 150 + (k - 120) * 3.2)));
// Flat: the same load without the ramp or the wobble (the gate returns before the fit).
const flat = measure(fleet(() => 150));
console.log(JSON.stringify({
  bench: 'queue-curve', services, rising, flat,
  projected10kRisingMsPerWindow: Math.round(rising.cpuMsPerServiceWindow * 10_000),
  ...loadNote(),
}));
