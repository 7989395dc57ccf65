import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaturationForecaster, TheilSenForecaster, RECIPROCAL_MAX_FACTOR, getTransform } from '../../../models/statistical/index.ts';
import type { Forecaster } from '../../../models/types.ts';

const STEP = 60_000;
const Q = [0.1, 0.5, 0.9];

function feed(f: Forecaster, values: readonly number[]): void {
  values.forEach((value, i) => f.observe({ t: i * STEP, value }));
}

/** 1-based first step whose median is at or above `slo`. */
function crossing(f: Forecaster, slo: number): number | undefined {
  const p50 = f.forecast(30, Q)?.paths.p50 ?? [];
  const i = p50.findIndex((v) => v >= slo);
  return i < 0 ? undefined : i + 1;
}

test('saturation: a flat series forecasts flat, exactly, with a zero-width band', () => {
  const f = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30 });
  feed(f, new Array<number>(40).fill(120));
  const fc = f.forecast(5, Q);
  assert.ok(fc);
  for (const k of ['p10', 'p50', 'p90']) assert.deepEqual(fc.paths[k], [120, 120, 120, 120, 120]);
  assert.equal(fc.forecaster, 'saturation');
  assert.equal(fc.origin, 39 * STEP);
});

test('saturation: nothing before minHistory', () => {
  const f = new SaturationForecaster({ stepMs: STEP, minHistory: 10, window: 30 });
  feed(f, new Array<number>(9).fill(100));
  assert.equal(f.forecast(5, Q), null);
});

test('saturation: a hyperbolic (queueing) ramp is extrapolated to the SLO at the right step', () => {
  // p95 = 1000 / (10 - 0.2 t): 1/p95 falls linearly, as when utilisation ramps linearly.
  // After t = 0..29 the last value is 1000 / 4.2 = 238 ms; 500 ms is reached when
  // 4.2 - 0.2 h = 2, at h = 11, and 1/p95 reaches 0 (saturation) at h = 21.
  const ramp = Array.from({ length: 30 }, (_, t) => 1000 / (10 - 0.2 * t));
  const f = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30 });
  feed(f, ramp);
  const p50 = f.forecast(30, Q)?.paths.p50 ?? [];
  assert.ok(Math.abs((p50[9] as number) - 1000 / 2.2) < 1e-6, `h=10: ${p50[9]}`);
  assert.ok(Math.abs((p50[10] as number) - 500) < 1e-6, `h=11: ${p50[10]}`);
  assert.equal(crossing(f, 499.999), 11);
  // Past saturation the path stays at the cap: RECIPROCAL_MAX_FACTOR times the current level.
  assert.ok(Math.abs((p50[29] as number) - RECIPROCAL_MAX_FACTOR * (1000 / 4.2)) < 1e-6, `h=30: ${p50[29]}`);
  // A log-linear trend on the same series sees the breach much later (or not at all).
  const ts = new TheilSenForecaster({ stepMs: STEP, minHistory: 3, window: 30 });
  feed(ts, ramp);
  const late = crossing(ts, 499.999);
  assert.ok(late === undefined || late > 15, `theil_sen crossed at ${late}`);
});

test('saturation: bands are ordered and widen with the horizon on a noisy ramp', () => {
  const f = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30 });
  feed(f, Array.from({ length: 30 }, (_, t) => 1000 / (10 - 0.1 * t) * (1 + 0.05 * ((t * 7) % 3 - 1))));
  const fc = f.forecast(10, Q);
  assert.ok(fc);
  const [p10, p50, p90] = [fc.paths.p10 ?? [], fc.paths.p50 ?? [], fc.paths.p90 ?? []];
  for (let h = 0; h < 10; h++) assert.ok((p10[h] as number) <= (p50[h] as number) && (p50[h] as number) <= (p90[h] as number), `h=${h + 1}`);
  assert.ok((p90[9] as number) / (p10[9] as number) > (p90[0] as number) / (p10[0] as number));
});

test('reciprocal transform: round trip through the anchor, capped at saturation', () => {
  const tr = getTransform('reciprocal');
  assert.equal(tr.forward(200), 0.005);
  assert.equal(tr.inverse(0.005, 200, 0.005), 200);
  assert.equal(tr.inverse(0.0025, 200, 0.005), 400);
  assert.equal(tr.inverse(-1, 200, 0.005), 200 * RECIPROCAL_MAX_FACTOR);
});

test('saturation: a slope within noise of 0 is not extrapolated; with the gate off it is', () => {
  // 200 ms with ±10% alternating noise and a drift of 0.1% a minute: t-ratio well under 5.
  const values = Array.from({ length: 30 }, (_, t) => 200 * (1 + 0.001 * t) * (t % 2 === 0 ? 1.1 : 0.9));
  const gated = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30 });
  const open = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30, minSlopeT: 0 });
  feed(gated, values);
  feed(open, values);
  const g = gated.forecast(30, Q)?.paths.p50 ?? [];
  const o = open.forecast(30, Q)?.paths.p50 ?? [];
  assert.equal(g[0], g[29], 'flat');
  assert.ok((o[29] ?? 0) > (o[0] ?? 0), 'the noisy drift is extrapolated without the gate');
});
