import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitQueueCurve, LoadCurveForecaster, QueueCurveForecaster, queueFactor, type QueueCurveOptions } from '../../../models/statistical/index.ts';

const STEP = 60_000;
const Q = [0.1, 0.5, 0.9];
const OPTS: QueueCurveOptions = { stepMs: STEP, minHistory: 30, curveWindow: 120, trendWindow: 20, minTrendT: 5, minCurveT: 3, loadHorizon: 30, plausibleChi2: 6 };

/** Deterministic noise in [-1, 1]. */
const wobble = (t: number, k: number): number => (((t * k) % 5) - 2) / 2;

/** Sakasegawa's M/M/c mean latency: 3 servers, 40 ms service time, capacity 300 requests a window. */
const mmc = (load: number): number => 40 * (1 + queueFactor(load / 300, 3) / 3);

function feed(f: { observe: QueueCurveForecaster['observe'] }, n: number, load: (t: number) => number, p95: (t: number) => number): void {
  for (let t = 0; t < n; t++) f.observe({ t: t * STEP, value: p95(t), throughput: load(t) });
}

test('queueFactor: the M/M/c shape on literal numbers', () => {
  // One server: ρ/(1 − ρ), the M/M/1 queueing delay in service times.
  assert.equal(queueFactor(0.5, 1), 1);
  // Three servers: 0.5^(√8 − 1) / 0.5.
  assert.equal(Number(queueFactor(0.5, 3).toFixed(6)), 0.563143);
  assert.equal(Number(queueFactor(0.9, 8).toFixed(6)), 7.105995);
  assert.equal(queueFactor(0, 4), 0);
  // Past 0.98 the steady state does not hold; the factor is frozen there.
  assert.equal(queueFactor(1.5, 2), queueFactor(0.98, 2));
});

test('fitQueueCurve: recovers the knee of a noiseless M/M/c series', () => {
  // Loads 90–255 (utilisation 0.3–0.85): the curve is flat for most of it.
  const lam = Array.from({ length: 60 }, (_, i) => 90 + (165 * i) / 59);
  const fit = fitQueueCurve(lam, lam.map(mmc), 6);
  assert.ok(fit);
  assert.equal(fit.servers, 3);
  // The capacity grid is geometric in steps of ~3.8 %: the nearest point to 300.
  assert.equal(Number(fit.capacity.toFixed(1)), 302.4);
  assert.equal(Number(fit.base.toFixed(2)), 39.82);
  // weight = κ · base / c with κ ≈ 1, as for a mean.
  assert.equal(Number(fit.weight.toFixed(2)), 14.00);
  // Noiseless: only the best grid curve is plausible.
  assert.equal(fit.plausible.length, 1);
});

test('fitQueueCurve: nothing to fit on a load that never varies', () => {
  assert.equal(fitQueueCurve([100, 100, 100, 100], [50, 51, 49, 50]), null);
  assert.equal(fitQueueCurve([100, 120], [50, 51]), null);
});

/** 100 minutes swinging between 150 and 210 (utilisation 0.5–0.7), then a surge of +3 a minute. */
const surgeLoad = (t: number): number => (t < 100 ? 180 + 30 * Math.sin((2 * Math.PI * t) / 40) : 180 + 3 * (t - 100)) + 2 * wobble(t, 3);
const surgeP95 = (t: number): number => mmc(surgeLoad(t)) * (1 + 0.02 * wobble(t, 7));

test('queue_curve: a surge toward a many-server knee is seen 11 steps before load_curve sees it', () => {
  const f = new QueueCurveForecaster(OPTS);
  feed(f, 120, surgeLoad, surgeP95);
  const fc = f.forecast(40, Q);
  assert.ok(fc);
  assert.equal(fc.forecaster, 'queue_curve');
  assert.equal(fc.origin, 119 * STEP);
  const p50 = fc.paths.p50 ?? [];
  // The truth: load 237 + 3h; mmc crosses 200 ms at h = 14. The median path follows the
  // most optimistic curve the ±2 % noise allows, so it crosses a little later, at 18.
  const truth = Array.from({ length: 40 }, (_, h) => mmc(180 + 3 * (20 + h))).findIndex((v) => v >= 200) + 1;
  assert.equal(truth, 14);
  assert.equal(p50.findIndex((v) => v >= 200) + 1, 18);
  assert.deepEqual([0, 9, 19].map((h) => Number((p50[h] as number).toFixed(1))), [83.3, 122.5, 258.2]);
  // Past the knee the path is capped at 10× the newest observation.
  assert.equal(Number((p50[39] as number).toFixed(1)), Number((surgeP95(119) * 10).toFixed(1)));
  const [p10, p90] = [fc.paths.p10 ?? [], fc.paths.p90 ?? []];
  for (let h = 0; h < 40; h++) assert.ok((p10[h] as number) <= (p50[h] as number) && (p50[h] as number) <= (p90[h] as number), `h=${h + 1}`);
  // load_curve's straight line in 1/p95 (the one-server shape) puts the knee further out.
  const lc = new LoadCurveForecaster({ stepMs: STEP, minHistory: 30, curveWindow: 120, trendWindow: 20, minTrendT: 5, minCurveT: 3 });
  feed(lc, 120, surgeLoad, surgeP95);
  assert.equal((lc.forecast(40, Q)?.paths.p50 ?? []).findIndex((v) => v >= 200) + 1, 29);
});

test('queue_curve: nothing when the load is flat', () => {
  const flat = (t: number): number => 200 + 2 * wobble(t, 3) + (t < 60 ? 30 * Math.sin((2 * Math.PI * t) / 40) : 0);
  const f = new QueueCurveForecaster(OPTS);
  feed(f, 120, flat, (t) => mmc(flat(t)));
  assert.equal(f.forecast(40, Q), null);
});

test('queue_curve: nothing when latency does not respond to load', () => {
  // The same surge, with p95 set by something else (a dependency): 100 ms ± 5 %.
  const f = new QueueCurveForecaster(OPTS);
  feed(f, 120, surgeLoad, (t) => 100 * (1 + 0.05 * Math.sin(t * 2.7) * Math.cos(t * 1.1)));
  assert.equal(f.forecast(40, Q), null);
});

test('queue_curve: one slow window at the busiest load does not make a knee', () => {
  // A rise at utilisation 0.45–0.65 of 2 servers (capacity 2000), p95 from 105 to 135 ms,
  // and one 250 ms window at the highest load. The trimmed fit and the tie of the queueing
  // weight to the base time keep the knee where the other 119 windows put it: the median
  // path climbs to 143 ms as the load trend runs 30 steps, far from a 300 ms SLO.
  const rise = (t: number): number => 900 + 3 * t + 10 * wobble(t, 3);
  const p95 = (t: number): number => (t === 119 ? 250 : 80 * (1 + queueFactor(rise(t) / 2000, 2) / 2) * (1 + 0.05 * wobble(t, 7)));
  const f = new QueueCurveForecaster(OPTS);
  feed(f, 120, rise, p95);
  const p50 = f.forecast(40, Q)?.paths.p50 ?? [];
  assert.equal(p50.length, 40);
  assert.deepEqual([0, 29, 39].map((h) => Number((p50[h] as number).toFixed(0))), [135, 143, 143]);
});
