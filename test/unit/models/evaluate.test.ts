import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateForecasters, scoreSeries, summariseScores, type EvalSeries, type ForecasterFactory } from '../../../models/evaluate.ts';
import type { Forecast, Forecaster, SeriesPoint } from '../../../models/types.ts';

const STEP = 60_000;

/** Forecasts the last value plus `offset` at every step, with a band of ±1. */
function lastPlus(name: string, offset: number): ForecasterFactory {
  return {
    name,
    create(): Forecaster {
      let last: SeriesPoint | undefined;
      return {
        name, version: '1',
        observe(p) { last = p; },
        forecast(steps, quantiles): Forecast | null {
          if (!last) return null;
          const m = last.value + offset;
          const path = (d: number): number[] => Array.from({ length: steps }, () => m + d);
          return { origin: last.t, stepMs: STEP, steps, quantiles: [...quantiles], paths: { p10: path(-1), p50: path(0), p90: path(1) }, forecaster: name, modelVersion: '1' };
        },
      };
    },
  };
}

/** A ramp of slope `slope` per step: the last value is wrong by h·slope at step h. */
const ramp = (id: string, n: number, slope: number): EvalSeries => ({
  id, testFrom: n / 2, points: Array.from({ length: n }, (_, i) => ({ t: i * STEP, value: 100 + slope * i })),
});

const factories = [lastPlus('last', 0), lastPlus('plus2', 2)];
const opts = { stepMs: STEP, horizons: [1, 5], baseline: 'last' };

test('exact MASE and coverage on ramps: the last value is off by h, last + 2 by |h − 2|', () => {
  const r = evaluateForecasters([ramp('a/x', 20, 1), ramp('b/y', 30, 1)], factories, opts);
  // Targets in the second half: 10 and 15 points at h=1 and at h=5.
  assert.deepEqual(r.points, { 1: 25, 5: 25 });
  const at = (name: string, h: number): { mase: number | null; coverage: number | null } => {
    const s = r.forecasters[name]?.find((x) => x.h === h);
    return { mase: s?.mase ?? null, coverage: s?.coverage ?? null };
  };
  assert.deepEqual(at('last', 1), { mase: 1, coverage: 1 });
  assert.deepEqual(at('last', 5), { mase: 1, coverage: 0 });
  assert.deepEqual(at('plus2', 1), { mase: 1, coverage: 1 }); // |1 − 2| = 1, inside ±1
  assert.deepEqual(at('plus2', 5), { mase: 0.6, coverage: 0 });
});

test('series scored apart and summarised together give exactly the one-run figures (how folds are pooled)', () => {
  const series = [ramp('a/x', 40, 1), ramp('b/y', 30, 3), ramp('c/z', 50, 0.5)];
  const whole = evaluateForecasters(series, factories, opts);
  const foldA = [series[0]!, series[2]!].map((s) => scoreSeries(s, factories, opts));
  const foldB = [series[1]!].map((s) => scoreSeries(s, factories, opts));
  const byId = new Map([...foldA, ...foldB].map((s) => [s.id, s]));
  const pooled = summariseScores(series.map((s) => byId.get(s.id)!), ['last', 'plus2'], opts);
  assert.deepEqual(pooled, whole);
  assert.equal(summariseScores(foldB, ['last', 'plus2'], opts).points['5'], 15);
});

test('a baseline that is not among the forecasters is refused', () => {
  assert.throws(() => evaluateForecasters([ramp('a/x', 20, 1)], factories, { ...opts, baseline: 'none' }), /baseline none/);
});
