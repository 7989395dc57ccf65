import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadCurveForecaster, SaturationForecaster, type LoadCurveOptions } from '../../../models/statistical/index.ts';
import { selectMedian } from '../../../models/statistical/load-curve.ts';
import { median } from '../../../models/statistical/quantiles.ts';
import type { Forecaster } from '../../../models/types.ts';

const STEP = 60_000;
const Q = [0.1, 0.5, 0.9];
const OPTS: LoadCurveOptions = { stepMs: STEP, minHistory: 30, curveWindow: 120, trendWindow: 20, minTrendT: 5, minCurveT: 3 };

/** Deterministic noise in [-1, 1]. */
const wobble = (t: number, k: number): number => (((t * k) % 5) - 2) / 2;

/** Queueing latency: 50 ms service time, saturating at 1000 requests a window, ±2% noise. */
const p95Of = (load: number, t: number): number => (50 / (1 - load / 1000)) * (1 + 0.02 * wobble(t, 7));

/** 100 minutes of a swinging load (400–600), then a surge of +10 requests a minute: 690 at t = 119. */
const surgeLoad = (t: number): number => (t < 100 ? 500 + 100 * Math.sin((2 * Math.PI * t) / 40) : 500 + 10 * (t - 100)) + 3 * wobble(t, 3);

function feed(f: Forecaster, n: number, load: (t: number) => number, p95: (t: number) => number, from = 0): void {
  for (let t = from; t < from + n; t++) f.observe({ t: t * STEP, value: p95(t), throughput: load(t) });
}

test('load_curve: a load surge maps through the curve to the SLO crossing at the right step', () => {
  const f = new LoadCurveForecaster(OPTS);
  feed(f, 120, surgeLoad, (t) => p95Of(surgeLoad(t), t));
  const fc = f.forecast(40, Q);
  assert.ok(fc);
  assert.equal(fc.forecaster, 'load_curve');
  assert.equal(fc.origin, 119 * STEP);
  const p50 = fc.paths.p50 ?? [];
  // The curve is recovered exactly through the ±2% noise, so the median is the queueing
  // law at the trended load: λ = 690 + 10h, p95 = 50 / (1 − λ/1000). 250 ms is λ = 800,
  // 11 minutes ahead.
  assert.equal(p50.findIndex((v) => v >= 249.99) + 1, 11);
  assert.deepEqual([0, 9, 10, 20, 26].map((h) => Number((p50[h] as number).toFixed(3))), [166.667, 238.095, 250, 500, 1250]);
  // Past λmax the path stays at the cap, 10× the current level (50 / 0.31 ms).
  assert.equal(Number((p50[39] as number).toFixed(3)), 1612.903);
  assert.deepEqual([0, 10].map((h) => Number(((fc.paths.p90 ?? [])[h] as number).toFixed(3))), [172.737, 264.374]);
  const [p10, p90] = [fc.paths.p10 ?? [], fc.paths.p90 ?? []];
  for (let h = 0; h < 40; h++) assert.ok((p10[h] as number) <= (p50[h] as number) && (p50[h] as number) <= (p90[h] as number), `h=${h + 1}`);
  // The latency trend alone sees it 18 minutes later: p95 rose only from 125 to 163 ms.
  const sat = new SaturationForecaster({ stepMs: STEP, minHistory: 10, window: 30 });
  feed(sat, 120, surgeLoad, (t) => p95Of(surgeLoad(t), t));
  const satCross = (sat.forecast(40, Q)?.paths.p50 ?? []).findIndex((v) => v >= 250) + 1;
  assert.equal(satCross, 29);
});

test('load_curve: nothing when the load is flat', () => {
  const flat = (t: number): number => 600 + 5 * wobble(t, 3) + (t < 60 ? 100 * Math.sin((2 * Math.PI * t) / 40) : 0);
  const f = new LoadCurveForecaster(OPTS);
  feed(f, 120, flat, (t) => p95Of(flat(t), t));
  assert.equal(f.forecast(40, Q), null);
});

test('load_curve: nothing when latency does not respond to load', () => {
  // The same surge, but p95 is set by something else (a dependency): 100 ms ± 5%, with no
  // level shifts in it, so it is the curve's evidence gate that says no.
  const flatP95 = (t: number): number => 100 * (1 + 0.05 * Math.sin(t * 2.7) * Math.cos(t * 1.1));
  const f = new LoadCurveForecaster(OPTS);
  feed(f, 120, surgeLoad, flatP95);
  assert.equal(f.forecast(40, Q), null);
  // Without the gate the noise's slight slope is extrapolated.
  const open = new LoadCurveForecaster({ ...OPTS, minCurveT: 0 });
  feed(open, 120, surgeLoad, flatP95);
  assert.equal(Number(((open.forecast(40, Q)?.paths.p50 ?? [])[0] as number).toFixed(3)), 100.63);
});

test('load_curve: nothing before minHistory, and nothing without throughput', () => {
  const f = new LoadCurveForecaster(OPTS);
  feed(f, 29, surgeLoad, (t) => p95Of(surgeLoad(t), t), 91);
  assert.equal(f.forecast(40, Q), null);
  const g = new LoadCurveForecaster(OPTS);
  for (let t = 0; t < 120; t++) g.observe({ t: t * STEP, value: p95Of(surgeLoad(t), t) });
  assert.equal(g.forecast(40, Q), null);
  assert.throws(() => new LoadCurveForecaster({ ...OPTS, trendWindow: 121 }), RangeError);
});

test('load_curve: memory is bounded; the forecast depends only on the last curveWindow points', () => {
  const long = new LoadCurveForecaster(OPTS);
  // 10,000 minutes of history, ending in the same 120 minutes as a fresh forecaster sees.
  const shifted = (t: number): number => surgeLoad(t - 9_880);
  feed(long, 9_880, (t) => 300 + (t % 50), (t) => 40 + (t % 7));
  feed(long, 120, shifted, (t) => p95Of(shifted(t), t - 9_880), 9_880);
  const fresh = new LoadCurveForecaster(OPTS);
  feed(fresh, 120, surgeLoad, (t) => p95Of(surgeLoad(t), t));
  const a = long.forecast(40, Q);
  const b = fresh.forecast(40, Q);
  assert.ok(a && b);
  assert.deepEqual(a.paths, b.paths);
});

test('load_curve: a scale-out (a step in 1/p95) retires the old curve until the new one has trendWindow points', () => {
  // Capacity doubles at t = 105, in the middle of the surge: λmax 1000 → 2000.
  const p95 = (t: number): number => (t < 105 ? p95Of(surgeLoad(t), t) : (50 / (1 - surgeLoad(t) / 2000)) * (1 + 0.02 * wobble(t, 7)));
  const f = new LoadCurveForecaster(OPTS);
  feed(f, 120, surgeLoad, p95);
  assert.equal(f.forecast(40, Q), null);
  // 20 windows after the step the new curve forecasts, and it no longer sees a breach of 250 ms.
  feed(f, 10, surgeLoad, p95, 120);
  const p50 = f.forecast(40, Q)?.paths.p50 ?? [];
  assert.equal(p50.length, 40);
  assert.equal(p50.findIndex((v) => v >= 249.99), -1);
  assert.equal(Number((p50[0] as number).toFixed(3)), 83.378);
});

test('selectMedian agrees with the mathjs median, odd and even lengths, ties included', () => {
  for (const xs of [[3], [5, 1], [2, 9, 4, 4, 7], [1, 1, 1, 2], [0.3, -2, 8.5, 1e-9, 4, 4, 11, -7], [6, 5, 4, 3, 2, 1, 0]]) {
    assert.equal(selectMedian(Float64Array.from(xs)), median(xs), xs.join(','));
  }
  assert.equal(selectMedian(Float64Array.from([0.3, -2, 8.5, 1e-9, 4, 4, 11, -7])), 2.15);
});
