import test from 'node:test';
import assert from 'node:assert/strict';
import { levelShifts, segmentedTheilSen } from '../../../models/statistical/level-shift.ts';
import { SaturationForecaster } from '../../../models/statistical/index.ts';
import { MAD_TO_SIGMA, mad, median } from '../../../models/statistical/quantiles.ts';

const NOISE = [0.3, -0.2, 0.1, -0.4, 0.2, 0, 0.35, -0.1, -0.3, 0.25, 0.05, -0.15, 0.2, -0.25, 0.1, 0.3, -0.05, -0.35, 0.15, 0];

test('level shift: a step is found where it is, and the line is not fitted across it', () => {
  const step = NOISE.map((e, i) => (i < 12 ? 10 : 4) + e);
  assert.deepEqual(levelShifts(step), [12]);
  // Across the step, Theil–Sen turns it into a ramp; split at it, the series is flat.
  assert.equal(Number(segmentedTheilSen(step, []).slope.toFixed(4)), -0.3544);
  assert.equal(Number(segmentedTheilSen(step, [12]).slope.toFixed(4)), -0.0171);
});

/** levelShifts as it was before the small windows' medians skipped the sorted copy. */
function levelShiftsBySlices(ys: number[], side: number, sigmas: number): number[] {
  const n = ys.length;
  if (n < 4) return [];
  const diffs = ys.slice(1).map((y, i) => y - (ys[i] as number));
  const drift = median(diffs);
  const sigma = (MAD_TO_SIGMA * mad(diffs)) / Math.SQRT2;
  if (!(sigma > 0)) return [];
  const stat = new Array<number>(n).fill(0);
  for (let k = 1; k <= n - 2; k++) {
    const before = ys.slice(Math.max(0, k - side), k);
    const after = ys.slice(k, Math.min(n, k + side));
    const gap = (before.length + after.length) / 2;
    stat[k] = Math.abs(median(after) - median(before) - drift * gap) / sigma;
  }
  const out: number[] = [];
  for (let k = 1; k <= n - 2; k++) {
    const s = stat[k] as number;
    if (s < sigmas) continue;
    let isMax = true;
    for (let j = Math.max(1, k - side); j <= Math.min(n - 2, k + side); j++) {
      const o = stat[j] as number;
      if (o > s || (o === s && j < k)) { isMax = false; break; }
    }
    if (isMax) out.push(k);
  }
  return out;
}

test('level shift: the same shifts as medians of sorted slices, ties, zeros of both signs and NaN included', () => {
  let seed = 7;
  const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  let shifts = 0;
  for (let t = 0; t < 400; t++) {
    const n = 2 + Math.floor(rand() * 80);
    const ys = Array.from({ length: n }, (_, i) => {
      switch (t % 5) {
        case 0: return Math.round(rand() * 3);
        case 1: return (i > n / 2 ? 10 : 0) + rand();
        case 2: return rand() < 0.05 ? Number.NaN : rand();
        case 3: return rand() < 0.2 ? (rand() < 0.5 ? 0 : -0) : rand();
        default: return 0.1 * i + (rand() < 0.05 ? 50 : 0) + rand();
      }
    });
    for (const side of [1, 2, 3, 4]) {
      const expected = levelShiftsBySlices(ys, side, 6);
      shifts += expected.length;
      assert.deepEqual(levelShifts(ys, { side, sigmas: 6 }), expected);
    }
  }
  assert.ok(shifts > 100);
});

test('level shift: a steady ramp, however steep, is not a shift; a ramp with a step keeps its slope', () => {
  const ramp = NOISE.map((e, i) => 10 - 0.4 * i + e);
  assert.deepEqual(levelShifts(ramp), []);
  const stepped = ramp.map((y, i) => (i < 12 ? y : y - 5));
  assert.deepEqual(levelShifts(stepped), [12]);
  const fit = segmentedTheilSen(stepped, [12]);
  assert.equal(Number(fit.slope.toFixed(4)), -0.4171);
  assert.equal(fit.lastStart, 12);
  assert.equal(Number(fit.level.toFixed(4)), -2.5929);
});

test('saturation: a latency step (a bad deploy) is not extrapolated as a blow-up; with the split off it is', () => {
  const STEP = 60_000;
  const run = (levelShiftSigmas: number, minSlopeT?: number): number => {
    const f = new SaturationForecaster({ stepMs: STEP, minHistory: 3, window: 30, levelShiftSigmas, minSlopeT });
    // 100 ms, then 5x slower from window 12: 1/p95 steps down, it does not ramp.
    NOISE.concat(NOISE.slice(0, 10)).forEach((e, i) => f.observe({ t: i * STEP, value: (i < 12 ? 100 : 500) * (1 + e / 20) }));
    const fc = f.forecast(30, [0.1, 0.5, 0.9]);
    assert.ok(fc);
    return Math.round(fc.paths.p50?.[29] ?? Number.NaN);
  };
  // After the step only noise is left: its slope is not significant, so the path is the level.
  assert.equal(run(6), 500);
  assert.equal(run(0, 0), 7641, 'one line across the step predicts the queue blowing up');
  // The slope-significance gate alone also keeps that line flat (the step leaves huge residuals).
  assert.equal(run(0), 764);
});
