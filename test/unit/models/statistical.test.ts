import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DampedTrendForecaster, SeasonalNaiveForecaster, TheilSenForecaster, RingBuffer, normalQuantile } from '../../../models/statistical/index.ts';
import type { Forecaster } from '../../../models/types.ts';

const STEP = 60_000;
const Q = [0.1, 0.5, 0.9];
const base = { stepMs: STEP, minHistory: 3, residualWindow: 50 };

function all(transform: 'log' | 'none'): Forecaster[] {
  return [
    new DampedTrendForecaster({ ...base, alpha: 0.5, beta: 0.2, phi: 0.9, transform }),
    new SeasonalNaiveForecaster({ ...base, transform }),
    new TheilSenForecaster({ ...base, window: 5, transform }),
  ];
}

function feed(f: Forecaster, values: readonly number[], t0 = 0): void {
  values.forEach((value, i) => f.observe({ t: t0 + i * STEP, value }));
}

/** Deterministic noise so the ordering test does not depend on Math.random. */
function noisy(n: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return 100 + 20 * Math.sin(i / 7) + 30 * (s / 2147483648 - 0.5) + (i > n / 2 ? i - n / 2 : 0);
  });
}

test('constant series forecasts a flat path, exactly, in both spaces', () => {
  for (const tr of ['log', 'none'] as const) {
    for (const f of all(tr)) {
      feed(f, [100, 100, 100, 100, 100, 100]);
      const fc = f.forecast(4, Q);
      assert.ok(fc, `${f.name}/${tr}`);
      for (const k of ['p10', 'p50', 'p90']) assert.deepEqual(fc.paths[k], [100, 100, 100, 100], `${f.name}/${tr}/${k}`);
      assert.equal(fc.origin, 5 * STEP);
      assert.equal(fc.forecaster, f.name);
    }
  }
});

test('nothing is forecast before minHistory', () => {
  for (const f of all('log')) {
    feed(f, [100, 100]);
    assert.equal(f.forecast(3, Q), null, f.name);
  }
});

test('damped trend: pinned numbers on a short literal series (checked by hand for h=1)', () => {
  const f = new DampedTrendForecaster({ ...base, alpha: 0.5, beta: 0.2, phi: 0.9, transform: 'none' });
  feed(f, [100, 110, 105, 120, 130, 125]);
  const fc = f.forecast(3, Q);
  assert.ok(fc);
  // l = 129.431662, b = 5.1367916 after the recursion; h=1: l + 0.9 b.
  assert.deepEqual(fc.paths.p50, [134.05477444000002, 138.215575636, 141.9602967124]);
  assert.deepEqual(fc.paths.p10, [125.44743924000002, 128.2217959624031, 130.41766765297172]);
  assert.deepEqual(fc.paths.p90, [141.27815644, 146.60247896076257, 151.64701356996486]);
});

test('damped trend: a ramp keeps rising, damped, and intervals widen with the horizon', () => {
  const f = new DampedTrendForecaster({ ...base, alpha: 0.3, beta: 0.1, phi: 0.98 });
  feed(f, Array.from({ length: 40 }, (_, i) => 100 + 5 * i + (i % 2 === 0 ? 2 : -2)));
  const fc = f.forecast(30, Q);
  assert.ok(fc);
  const p50 = fc.paths.p50 as number[];
  assert.ok((p50[0] as number) > 290, `h=1 ${p50[0]}`);
  for (let h = 1; h < 30; h++) assert.ok((p50[h] as number) > (p50[h - 1] as number), `rising at ${h}`);
  const width = (h: number): number => (fc.paths.p90?.[h] as number) - (fc.paths.p10?.[h] as number);
  assert.ok(width(29) > 2 * width(0), `width ${width(0)} -> ${width(29)}`);
});

test('theil-sen: pinned numbers (hand-checked: slope 35/6, intercept 325/3)', () => {
  const f = new TheilSenForecaster({ ...base, window: 5, transform: 'none' });
  feed(f, [100, 110, 105, 120, 130, 125]);
  const fc = f.forecast(3, Q);
  assert.ok(fc);
  assert.deepEqual(fc.paths.p50, [137.5, 143.33333333333331, 149.16666666666666]);
  // sigma = 1.4826 * MAD 25/6; h=1 spread z(0.9) sigma sqrt(1 + 1/5 + 9/10) = 11.4725.
  assert.deepEqual(fc.paths.p10, [126.02747172302175, 130.08599875533534, 133.93840427095677]);
  assert.deepEqual(fc.paths.p90, [148.97252827697827, 156.5806679113313, 164.39492906237655]);
});

test('theil-sen: an exact line continues exactly and ignores one outlier', () => {
  const f = new TheilSenForecaster({ ...base, window: 8, transform: 'none' });
  feed(f, [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(f.forecast(3, Q)?.paths.p50, [70, 80, 90]);
  const g = new TheilSenForecaster({ ...base, window: 8, transform: 'none' });
  feed(g, [10, 20, 30, 400, 50, 60, 70, 80]);
  assert.deepEqual(g.forecast(2, [0.5])?.paths.p50, [90, 100]);
});

test('seasonal naive: last value before a full season, last season after', () => {
  const season = 4 * STEP;
  const f = new SeasonalNaiveForecaster({ ...base, seasonMs: season, transform: 'none' });
  feed(f, [10, 20, 30]);
  assert.deepEqual(f.forecast(3, [0.5])?.paths.p50, [30, 30, 30]);
  assert.equal(f.seasonal, false);
  const g = new SeasonalNaiveForecaster({ ...base, seasonMs: season, transform: 'log' });
  feed(g, [10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40]);
  assert.equal(g.seasonal, true);
  const fc = g.forecast(6, Q);
  assert.ok(fc);
  // The pattern repeated exactly: residuals are zero, so the interval collapses.
  assert.deepEqual(fc.paths.p50, [10, 20, 30, 40, 10, 20]);
  assert.deepEqual(fc.paths.p10, fc.paths.p50);
  assert.deepEqual(fc.paths.p90, fc.paths.p50);
});

test('seasonal naive: a window missing last season falls back to the last value', () => {
  const season = 4 * STEP;
  const f = new SeasonalNaiveForecaster({ ...base, seasonMs: season, transform: 'none' });
  // Window 9 is missing, so the slot a season before target 13 is stale: the last value
  // (10, at t=12) stands in where the season would have said 20; 14 and 15 copy 10 and 11.
  const idx = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12];
  for (const i of idx) f.observe({ t: i * STEP, value: [10, 20, 30, 40][i % 4] as number });
  assert.equal(f.seasonal, true);
  assert.deepEqual(f.forecast(3, [0.5])?.paths.p50, [10, 30, 40]);
});

test('quantile paths are ordered p10 <= p50 <= p90 at every step, for every forecaster', () => {
  const values = noisy(300);
  for (const tr of ['log', 'none'] as const) {
    for (const f of all(tr)) {
      values.forEach((v, i) => {
        f.observe({ t: i * STEP, value: v });
        if (i % 25 !== 24) return;
        const fc = f.forecast(30, Q);
        assert.ok(fc);
        for (let h = 0; h < 30; h++) {
          const [a, b, c] = [fc.paths.p10?.[h], fc.paths.p50?.[h], fc.paths.p90?.[h]] as number[];
          assert.ok((a as number) <= (b as number) && (b as number) <= (c as number), `${f.name}/${tr} i=${i} h=${h}: ${a} ${b} ${c}`);
          if (tr === 'log') assert.ok((a as number) > 0);
        }
      });
    }
  }
});

test('forecasters are deterministic: same input, same output', () => {
  const values = noisy(120);
  const [a, b] = [all('log'), all('log')];
  for (let k = 0; k < 3; k++) {
    feed(a[k] as Forecaster, values);
    feed(b[k] as Forecaster, values);
    assert.deepEqual((a[k] as Forecaster).forecast(30, Q), (b[k] as Forecaster).forecast(30, Q));
  }
});

test('ring buffer keeps only the newest `capacity` values', () => {
  const r = new RingBuffer(3);
  for (let i = 1; i <= 7; i++) r.push(i);
  assert.equal(r.length, 3);
  assert.deepEqual(r.toArray(), [5, 6, 7]);
  assert.equal(r.at(0), 5);
  assert.equal(r.last(), 7);
  assert.throws(() => r.at(3), RangeError);
});

test('normal quantile matches known values', () => {
  assert.equal(normalQuantile(0.5), 0);
  assert.ok(Math.abs(normalQuantile(0.9) - 1.2815515655446004) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.3263478740408408) < 1e-8);
  assert.throws(() => normalQuantile(1), RangeError);
});
