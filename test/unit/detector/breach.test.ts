import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBreachDetector, exceedance, breachConfigSchema, type BreachConfig } from '../../../detector/breach/index.ts';
import { detectorConfigSchema } from '../../../detector/config.ts';
import { ManualClock } from '../../../core/clock.ts';
import { stableId } from '../../../core/ids.ts';
import { TheilSenForecaster } from '../../../models/statistical/index.ts';
import type { Forecast, ForecastUpdate } from '../../../models/types.ts';

const STEP = 60_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % STEP);
// Warm-up and re-raise have tests of their own; the hysteresis tests run without them.
const config: BreachConfig = breachConfigSchema.parse({ warmupWindows: 0, reraiseWindows: 0 });
const slo = (service: string): { p95LatencyMs: number } | undefined => (service === 'api' ? { p95LatencyMs: 100 } : undefined);

/** A flat forecast whose P(p95 > 100) is `prob` at every step (see exceedance). */
function forecastWith(prob: number, origin: number, steps = 5): Forecast {
  const d = prob >= 0.5 ? 20 - 50 * (0.9 - prob) : (prob - 0.5) * 50;
  return {
    origin, stepMs: STEP, steps, quantiles: [0.1, 0.5, 0.9], forecaster: 'test', modelVersion: 'test@1',
    paths: { p10: new Array(steps).fill(80 + d), p50: new Array(steps).fill(100 + d), p90: new Array(steps).fill(120 + d) },
  };
}

function update(i: number, prob: number | null, observed: number | null = 90): ForecastUpdate {
  const windowStart = T0 + i * STEP;
  return { service: 'api', metric: 'latency_p95', windowStart, observed, forecast: prob === null ? null : forecastWith(prob, windowStart), forecaster: 'test' };
}

function run(probs: Array<number | null>, cfg: BreachConfig = config): Array<{ i: number; id: string }> {
  const det = createBreachDetector(cfg, { clock: new ManualClock(0), slo });
  const out: Array<{ i: number; id: string }> = [];
  probs.forEach((p, i) => { for (const d of det.handle(update(i, p))) out.push({ i, id: d.id }); });
  return out;
}

test('exceedance interpolates the CDF through the quantiles, with linear tails', () => {
  const L = [0.1, 0.5, 0.9];
  const V = [80, 100, 120];
  assert.equal(exceedance(L, V, 100), 0.5);
  const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  near(exceedance(L, V, 110), 0.3);
  near(exceedance(L, V, 120), 0.1);
  assert.equal(exceedance(L, V, 125), 0);
  assert.equal(exceedance(L, V, 75), 1);
  near(exceedance(L, V, 78), 0.94);
  // A point forecast: above it certain, at or below it impossible.
  assert.equal(exceedance(L, [100, 100, 100], 99), 1);
  assert.equal(exceedance(L, [100, 100, 100], 100), 0);
  // A flat lower segment uses the next segment's slope for the tail.
  near(exceedance(L, [90, 90, 110], 88), 0.94);
  near(exceedance(L, [90, 90, 110], 100), 0.3);
});

test('the forecast helper really produces the probabilities the hysteresis tests rely on', () => {
  for (const p of [0.15, 0.3, 0.45, 0.55, 0.7]) {
    const f = forecastWith(p, T0);
    const got = exceedance([0.1, 0.5, 0.9], [f.paths.p10?.[0], f.paths.p50?.[0], f.paths.p90?.[0]] as number[], 100);
    assert.ok(Math.abs(got - p) < 1e-9, `${p} -> ${got}`);
  }
});

test('hysteresis: a probability oscillating around the raise threshold emits once per episode', () => {
  // Never two in a row at >= 0.5 : no episode at all.
  assert.deepEqual(run([0.55, 0.45, 0.55, 0.45, 0.55, 0.45, 0.55]), []);
  // Raised at window 1; oscillation above clearProbability (0.2) keeps the same episode.
  const one = run([0.55, 0.55, 0.45, 0.55, 0.3, 0.7, 0.45, 0.55, 0.25, 0.55]);
  assert.deepEqual(one.map((d) => d.i), [1]);
  // Cleared at window 3 (0.15 < 0.2), raised again at window 5.
  const two = run([0.6, 0.6, 0.45, 0.15, 0.6, 0.6, 0.6]);
  assert.deepEqual(two.map((d) => d.i), [1, 5]);
  assert.notEqual(two[0]?.id, two[1]?.id);
});

test('windows without a forecast neither count toward persistence nor clear an episode', () => {
  assert.deepEqual(run([0.6, null, 0.6]).map((d) => d.i), [2]);
  assert.deepEqual(run([0.6, 0.6, null, null, 0.6, 0.6]).map((d) => d.i), [1]);
});

test('minPersistence 1 raises on the first window', () => {
  assert.deepEqual(run([0.6], { ...config, minPersistence: 1 }).map((d) => d.i), [0]);
});

test('ids are deterministic: the same input gives the same ids, derived from the raising window', () => {
  const probs = [0.6, 0.6, 0.1, 0.6, 0.6];
  const a = run(probs);
  assert.deepEqual(a, run(probs));
  assert.deepEqual(a.map((d) => d.id), [
    stableId('det', 'api', 'latency_p95', 'predicted_breach', T0 + STEP),
    stableId('det', 'api', 'latency_p95', 'predicted_breach', T0 + 4 * STEP),
  ]);
});

test('services without an SLO are ignored', () => {
  const det = createBreachDetector(config, { clock: new ManualClock(0), slo });
  const u = { ...update(0, 0.9), service: 'other' };
  assert.deepEqual([det.handle(u), det.handle({ ...u, windowStart: u.windowStart + STEP })], [[], []]);
});

test('exact lead time on a synthetic ramp', () => {
  // p95 = 10 + 5 i ms, SLO 100 ms: the first window above it is i = 19. An exact line has
  // zero spread, so P jumps from 0 to 1 where the forecast passes the SLO.
  const f = new TheilSenForecaster({ stepMs: STEP, minHistory: 5, window: 10, transform: 'none' });
  const det = createBreachDetector(config, { clock: new ManualClock(0), slo, modelVersion: 'fs-1' });
  const found = [];
  for (let i = 0; i < 25; i++) {
    const t = T0 + i * STEP;
    const value = 10 + 5 * i;
    f.observe({ t, value });
    const out = det.handle({ service: 'api', metric: 'latency_p95', windowStart: t, observed: value, forecast: f.forecast(30, [0.1, 0.5, 0.9]), forecaster: f.name });
    found.push(...out.map((d) => ({ i, d })));
  }
  assert.equal(found.length, 1);
  const { i, d } = found[0] as (typeof found)[number];
  // First forecast at i = 4, persistence 2: raised at i = 5, breach at window 19.
  assert.equal(i, 5);
  assert.equal(d.kind, 'predicted_breach');
  assert.equal(d.at, T0 + 5 * STEP);
  assert.equal(d.predictedBreachAt, T0 + 19 * STEP);
  assert.equal(d.leadTimeMs, 14 * STEP);
  assert.equal(d.score, 1);
  assert.equal(d.threshold, 100);
  assert.equal(d.modelVersion, 'fs-1');
  assert.equal(d.forecast?.median.length, 30);
  assert.equal(d.forecast?.median[0], 40);
  assert.deepEqual(d.forecast?.upper, d.forecast?.median);
  assert.deepEqual(d.evidence, {
    observed: 35, slo: 100, probability: 1, alreadyBreaching: false, breachStep: 14,
    upperQuantile: 0.9, forecaster: 'theil_sen', forecastModelVersion: 'theil_sen@1', raisedBy: 'theil_sen',
  });
});

test('already above the SLO when raised: lead time 0 and alreadyBreaching', () => {
  const det = createBreachDetector(config, { clock: new ManualClock(0), slo });
  det.handle(update(0, 0.8, 130));
  const [d] = det.handle(update(1, 0.8, 130));
  assert.ok(d);
  assert.equal(d.leadTimeMs, 0);
  assert.equal(d.predictedBreachAt, T0 + STEP);
  assert.equal(d.evidence.alreadyBreaching, true);
  assert.equal(d.modelVersion, 'test@1');
});

test('config: defaults, clear must be below raise, unknown keys rejected', () => {
  assert.deepEqual(breachConfigSchema.parse({}), {
    enabled: true, raiseProbability: 0.5, minPersistence: 2, clearProbability: 0.2, warmupWindows: 30, reraiseWindows: 10,
    templateSignal: { enabled: false, minSurge: 3, windows: 5, raiseProbability: 0.3 },
  });
  assert.equal(breachConfigSchema.safeParse({ templateSignal: { enabled: true, raiseProbability: 0.2 } }).success, false, 'signal threshold above clear');
  assert.equal(breachConfigSchema.safeParse({ templateSignal: { other: 1 } }).success, false);
  assert.equal(breachConfigSchema.safeParse({ raiseProbability: 0.3, clearProbability: 0.3 }).success, false);
  assert.equal(breachConfigSchema.safeParse({ raise: 0.3 }).success, false);
  assert.deepEqual(detectorConfigSchema.parse({}).breach, breachConfigSchema.parse({}));
  assert.equal(detectorConfigSchema.safeParse({ other: {} }).success, false);
});

test('templateSignal: a surge of a warn-level template lowers the raise threshold for its next windows; off, it changes nothing', () => {
  const probs = [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4];
  const surges = [0, 0, 4, 0, 0, 0, 0, 0, 0];
  const go = (cfg: BreachConfig): Array<[number, unknown]> => {
    const det = createBreachDetector(cfg, { clock: new ManualClock(0), slo });
    return probs.flatMap((p, i) => det.handle(update(i, p), { warnSurge: surges[i]! }).map((d): [number, unknown] => [i, d.evidence.templateSignal]));
  };
  // P 0.4 never reaches 0.5: without the signal, nothing.
  assert.deepEqual(go(config), []);
  const on = breachConfigSchema.parse({ warmupWindows: 0, reraiseWindows: 0, templateSignal: { enabled: true, windows: 3 } });
  // The surge at window 2 makes 0.3 the threshold for windows 2-4: raised at 3 (two windows in a row).
  assert.deepEqual(go(on), [[3, { warnSurge: 0, corroborated: true, raiseAt: 0.3 }]]);
  // A surge below minSurge is no signal.
  surges[2] = 2.5;
  assert.deepEqual(go(on), []);
});

test('warm-up: a forecast alone raises only after warmupWindows windows, an observed breach at once', () => {
  const cfg = { ...config, warmupWindows: 3 };
  // Windows 0-2 are the warm-up: P 0.9 there neither raises nor counts toward persistence.
  assert.deepEqual(run([0.9, 0.9, 0.9, 0.9, 0.9], cfg).map((d) => d.i), [4]);
  const det = createBreachDetector(cfg, { clock: new ManualClock(0), slo });
  const raised = [0, 1].flatMap((i) => det.handle(update(i, 0.9, 130)).map((d) => ({ i, d })));
  assert.deepEqual(raised.map((x) => [x.i, x.d.evidence.alreadyBreaching]), [[1, true]]);
});

test('re-raise: an episode still at or above raiseProbability after reraiseWindows windows is raised again', () => {
  const cfg = { ...config, reraiseWindows: 3 };
  // Raised at 1; 2-4 stay high (re-raise at 4); 5 dips (streak reset, episode kept); 6-8 high (8).
  assert.deepEqual(run([0.6, 0.6, 0.6, 0.6, 0.6, 0.3, 0.6, 0.6, 0.6], cfg).map((d) => d.i), [1, 4, 8]);
  // Cleared at 2: the next episode needs minPersistence again.
  assert.deepEqual(run([0.6, 0.6, 0.1, 0.6, 0.6], cfg).map((d) => d.i), [1, 4]);
});

test('detection-only forecasts: a saturation forecast that crosses raises; the detection carries the published forecast', () => {
  const det = createBreachDetector(config, { clock: new ManualClock(0), slo });
  const fired: Array<{ i: number; d: ReturnType<typeof det.handle>[number] }> = [];
  for (let i = 0; i < 3; i++) {
    const u = update(i, 0.1);
    // Crosses the SLO of 100 at step 3 with a tight band.
    const sat: Forecast = {
      origin: u.windowStart, stepMs: STEP, steps: 5, quantiles: [0.1, 0.5, 0.9], forecaster: 'saturation', modelVersion: 'saturation@1',
      paths: { p10: [80, 90, 99, 140, 200], p50: [85, 95, 110, 150, 220], p90: [90, 100, 120, 160, 240] },
    };
    for (const d of det.handle({ ...u, detectionForecasts: [sat] })) fired.push({ i, d });
  }
  assert.equal(fired.length, 1);
  const { i, d } = fired[0] as (typeof fired)[number];
  assert.equal(i, 1, 'minPersistence 2 applies to the combined probability');
  assert.equal(d.score, 1);
  assert.equal(d.predictedBreachAt, T0 + 1 * STEP + 3 * STEP, 'first step with P >= 0.5 over both forecasts');
  assert.equal(d.forecast?.forecaster, 'test', 'sizing uses the published forecast');
  assert.equal(d.evidence.raisedBy, 'saturation');
  // The published forecast alone would not have raised.
  assert.deepEqual(run([0.1, 0.1, 0.1]), []);
});

test('detection-only forecasts that stay flat change nothing', () => {
  const det = createBreachDetector(config, { clock: new ManualClock(0), slo });
  const out: number[] = [];
  [0.6, 0.6, 0.6].forEach((p, i) => {
    const u = update(i, p);
    const flat: Forecast = { ...forecastWith(0, u.windowStart), forecaster: 'saturation' };
    for (const d of det.handle({ ...u, detectionForecasts: [flat] })) {
      out.push(i);
      assert.equal(d.evidence.raisedBy, 'test');
    }
  });
  assert.deepEqual(out, [1]);
});
