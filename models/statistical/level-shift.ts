import { MAD_TO_SIGMA, mad, median } from './quantiles.ts';

export interface LevelShiftOptions {
  /** Points on each side whose medians are compared; a shift needs this many after it to be seen. */
  side: number;
  /** A shift must exceed this many noise sigmas (of a one-window change) after removing the local trend. */
  sigmas: number;
}

export const DEFAULT_LEVEL_SHIFT: LevelShiftOptions = { side: 3, sigmas: 6 };

/**
 * Indices where the level of `ys` jumps: a step (a bad deploy, an outage, a scale-out), not
 * a ramp. At each candidate k, the median of the `side` points from k is compared with the
 * median of the `side` points before k; the local trend (the median one-window change
 * times the distance between the two medians) is taken off, so a steady ramp, however
 * steep, is not a shift. The noise scale is the MAD of the one-window changes, which one
 * step barely moves. Candidates within `side` of a stronger one are the same shift.
 * At least two points must follow k (one is an outlier, not a level).
 *
 * The threshold is a plain significance level, not fitted: the difference of two medians
 * of three normal points has a standard deviation of about one noise sigma, so 6 sigmas
 * is a false shift about once in 10^8 candidates under Gaussian noise (heavier tails make
 * it more often; a false shift costs little, see `segmentedTheilSen`).
 */
export function levelShifts(ys: readonly number[], opts: LevelShiftOptions = DEFAULT_LEVEL_SHIFT): number[] {
  const n = ys.length;
  if (n < 4) return [];
  const diffs: number[] = [];
  for (let i = 1; i < n; i++) diffs.push((ys[i] as number) - (ys[i - 1] as number));
  const drift = median(diffs);
  // A one-window change has variance 2 sigma^2 under white noise.
  const sigma = (MAD_TO_SIGMA * mad(diffs)) / Math.SQRT2;
  if (!(sigma > 0)) return [];
  const stat: number[] = new Array<number>(n).fill(0);
  for (let k = 1; k <= n - 2; k++) {
    const from = Math.max(0, k - opts.side);
    const to = Math.min(n, k + opts.side);
    // Distance between the two medians' centres, for the trend's share of the difference.
    const gap = (to - from) / 2;
    const d = windowMedian(ys, k, to) - windowMedian(ys, from, k) - drift * gap;
    stat[k] = Math.abs(d) / sigma;
  }
  const out: number[] = [];
  for (let k = 1; k <= n - 2; k++) {
    const s = stat[k] as number;
    if (s < opts.sigmas) continue;
    let isMax = true;
    for (let j = Math.max(1, k - opts.side); j <= Math.min(n - 2, k + opts.side); j++) {
      const o = stat[j] as number;
      if (o > s || (o === s && j < k)) { isMax = false; break; }
    }
    if (isMax) out.push(k);
  }
  return out;
}

/**
 * median(ys.slice(from, to)), the same value, without the copy and sort for up to three
 * points: the windows are `side` (3) long, and the two sorted copies per candidate were
 * 72 % of levelShifts' CPU (120 points, side 3: 47.8 → 13.1 µs).
 */
function windowMedian(ys: readonly number[], from: number, to: number): number {
  const len = to - from;
  if (len === 1) return ys[from] as number;
  if (len === 2 || len === 3) {
    const a = ys[from] as number, b = ys[from + 1] as number;
    const lo = a < b ? a : b, hi = a < b ? b : a;
    // sortedQuantile's interpolation at index 0.5, term for term (NaN in, NaN out, as there).
    if (len === 2) return lo * 0.5 + hi * 0.5;
    const c = ys[from + 2] as number;
    // The sorted copy puts NaN last; leave those windows to it.
    if (a === a && b === b && c === c) return c < lo ? lo : c > hi ? hi : c;
  }
  return median(ys.slice(from, to));
}

export interface SegmentedFit {
  slope: number;
  /** Fitted value at the last index, from the last segment's level. */
  level: number;
  /** Residuals of every point about its own segment's line. */
  residuals: number[];
  /** Index where the last segment starts (0 when no shift). */
  lastStart: number;
}

/**
 * Theil–Sen across level shifts: one slope for the whole window, from the pairwise slopes
 * within each segment only (a pair straddling a step measures the step, not the trend),
 * and the level from the last segment. A line fitted across a step turns a sudden change
 * into a ramp that is extrapolated; this keeps the ramp where there is one. A shift found
 * in error (a sharp knee, a GC burst) only splits the pairs: within-segment slopes of a
 * ramp are the ramp's slope, so the fit hardly changes.
 */
export function segmentedTheilSen(ys: readonly number[], shifts: readonly number[]): SegmentedFit {
  const n = ys.length;
  const bounds = [0, ...shifts, n];
  const slopes: number[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const a = bounds[s] as number;
    const b = bounds[s + 1] as number;
    for (let i = a; i < b; i++) {
      for (let j = i + 1; j < b; j++) slopes.push(((ys[j] as number) - (ys[i] as number)) / (j - i));
    }
  }
  const slope = slopes.length > 0 ? median(slopes) : 0;
  const residuals = new Array<number>(n);
  let level = 0;
  for (let s = 0; s + 1 < bounds.length; s++) {
    const a = bounds[s] as number;
    const b = bounds[s + 1] as number;
    const seg = ys.slice(a, b);
    const intercept = median(seg.map((y, i) => y - slope * (a + i)));
    for (let i = a; i < b; i++) residuals[i] = (ys[i] as number) - (intercept + slope * i);
    level = intercept + slope * (n - 1);
  }
  return { slope, level, residuals, lastStart: bounds[bounds.length - 2] as number };
}
