import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CalibratedForecaster, calibrated, widen } from '../../../models/calibration.ts';
import { modelsConfigSchema } from '../../../models/config.ts';
import type { Forecast, Forecaster, SeriesPoint } from '../../../models/types.ts';

const STEP = 60_000;

/** Forecasts 100 with a band of 80..125 (in log space ±0.223) at every step. */
class Fixed implements Forecaster {
  readonly name = 'fixed';
  readonly version = '1';
  last = 0;
  observe(p: SeriesPoint): void { this.last = p.t; }
  forecast(steps: number, quantiles: readonly number[]): Forecast {
    const paths: Record<string, number[]> = { p10: Array<number>(steps).fill(80), p50: Array<number>(steps).fill(100), p90: Array<number>(steps).fill(125) };
    return { origin: this.last, stepMs: STEP, steps, quantiles: [...quantiles], paths, forecaster: this.name, modelVersion: 'fixed@1' };
  }
}

const opts = { horizon: 2, lower: 0.1, upper: 0.9, rate: 0.1, minScale: 0.5, maxScale: 3 };

function run(values: number[], o = opts): { f: CalibratedForecaster; last: Forecast | null } {
  const f = new CalibratedForecaster(new Fixed(), o);
  let last: Forecast | null = null;
  values.forEach((v, i) => {
    f.observe({ t: i * STEP, value: v });
    last = f.forecast(3, [0.1, 0.5, 0.9]);
  });
  return { f, last };
}

test('widen scales each quantile away from the median in log space; the median is untouched', () => {
  const f = new Fixed().forecast(2, [0.1, 0.5, 0.9]);
  const w = widen(f, 2);
  assert.deepEqual(w.paths.p50, [100, 100]);
  assert.deepEqual(w.paths.p10?.map((v) => Number(v.toFixed(6))), [64, 64]);
  assert.deepEqual(w.paths.p90?.map((v) => Number(v.toFixed(6))), [156.25, 156.25]);
  assert.deepEqual(widen(f, 1).paths, f.paths);
});

test('misses widen the band by exp(rate·(1 − α)) each; hits narrow it by exp(−rate·α), within the bounds', () => {
  // Every value at 200 is outside 80..125: 10 values, the first 2 have no band to check yet.
  const miss = run(Array<number>(10).fill(200));
  assert.equal(Number(miss.f.scale.toFixed(9)), Number(Math.exp(8 * 0.1 * 0.8).toFixed(9)));
  assert.equal(Number((miss.last?.paths.p90?.[0] as number).toFixed(6)), Number((100 * 1.25 ** miss.f.scale).toFixed(6)));
  assert.deepEqual(miss.last?.paths.p50, [100, 100, 100]);
  const hit = run(Array<number>(10).fill(100));
  assert.equal(Number(hit.f.scale.toFixed(9)), Number(Math.exp(-8 * 0.1 * 0.2).toFixed(9)));
  assert.equal(run(Array<number>(200).fill(100)).f.scale, 0.5, 'floor');
  assert.equal(run(Array<number>(200).fill(1000)).f.scale, 3, 'ceiling');
});

test('the miss rate settles at the nominal 20%', () => {
  // A band far too narrow for its noise: values alternate through a wide cycle.
  const values = Array.from({ length: 4000 }, (_, i) => 100 * Math.exp(0.8 * Math.sin(i * 2.399)));
  const f = new CalibratedForecaster(new Fixed(), { ...opts, rate: 0.05, maxScale: 20 });
  let misses = 0;
  let scored = 0;
  const bands: Array<[number, number] | undefined> = [];
  values.forEach((v, i) => {
    const band = bands[i];
    if (band && i >= 2000) { scored++; if (v < band[0] || v > band[1]) misses++; }
    f.observe({ t: i * STEP, value: v });
    const fc = f.forecast(3, [0.1, 0.5, 0.9]);
    bands[i + 2] = [fc?.paths.p10?.[1] as number, fc?.paths.p90?.[1] as number];
  });
  const rate = misses / scored;
  assert.ok(Math.abs(rate - 0.2) < 0.03, `miss rate ${rate}`);
  assert.ok(f.scale > 1.5, `scale ${f.scale}`);
});

test('calibrated() wraps only when the configured rate is above 0; defaults widen but never narrow', () => {
  const inner = new Fixed();
  assert.equal(calibrated(inner, modelsConfigSchema.parse({ calibration: { rate: 0 } })), inner);
  const c = modelsConfigSchema.parse({});
  assert.deepEqual(c.calibration, { rate: 0.05, minScale: 1, maxScale: 5 });
  const w = calibrated(inner, c);
  assert.ok(w instanceof CalibratedForecaster);
  assert.equal(w.name, 'fixed');
  assert.throws(() => new CalibratedForecaster(inner, { ...opts, lower: 0.6 }), RangeError);
});
