/**
 * The NAB scoring rules (Lavin & Ahmad 2015), pure. This mirrors NAB's official Python
 * `nab/sweeper.py` + `nab/optimizer.py` + `nab/scorer.py` (commit ea702d7) step for step,
 * including the order in which floats are summed, so that totals agree with the official
 * scorer to the last bits and not merely to a few decimals.
 *
 *   file rows ─► sweepFile (weight per row, window id) ─┬─► optimizeThreshold (corpus)
 *                                                       └─► scoreFileAt (per file, summed)
 */

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

/** One scored file: anomaly scores aligned with timestamps (epoch ms), plus its label windows. */
export interface ScoredFile {
  /** `<category>/<file>.csv`, as in combined_windows.json. */
  path: string;
  timestamps: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** Inclusive [start, end] pairs of row timestamps (epoch ms). */
  windows: ReadonlyArray<readonly [number, number]>;
}

export interface ThresholdScore {
  threshold: number;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

/** Window id of a row outside any window. */
export const NO_WINDOW = -1;
/** Window id of a row inside the probationary period: never scored. */
export const PROBATION = -2;

/** Rows of one or more files after sweeping: anomaly score, per-row weight, window id. */
export interface SweepRows {
  scores: Float64Array;
  weights: Float64Array;
  windows: Int32Array;
  /** Number of distinct windows ids in use (ids are 0..windowCount-1). */
  windowCount: number;
}

export const PROBATION_PERCENT = 0.15;
/** "Never detect": the threshold NAB starts its sweep from. */
export const NEVER_THRESHOLD = 1.1;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** NAB's scaled sigmoid: ~+0.987 at the left edge of a window, 0 at its right edge, -1 beyond y = 3 (strictly, as at ea702d7). */
export function scaledSigmoid(y: number): number {
  if (y > 3.0) return -1.0;
  return 2 * sigmoid(-5 * y) - 1.0;
}

/** min(floor(0.15 N), 0.15 * 5000): NAB computes the cap as a float, 750. */
export function probationLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/**
 * Weight of every row if it were a detection (NAB `calcSweepScore`). Window ids start at
 * `firstWindowId` so several files can share one id space for the corpus-wide sweep.
 */
export function sweepFile(file: ScoredFile, cost: CostMatrix, firstWindowId = 0): SweepRows {
  const n = file.timestamps.length;
  if (file.scores.length !== n) throw new RangeError(`${file.path}: ${file.scores.length} scores for ${n} rows`);
  const scores = new Float64Array(n);
  const weights = new Float64Array(n);
  const windows = new Int32Array(n);
  const maxTP = scaledSigmoid(-1.0);
  const probation = probationLength(n);
  const indexOf = new Map<number, number>();
  for (let i = n - 1; i >= 0; i--) indexOf.set(file.timestamps[i] as number, i);

  let nextWindow = 0;
  let inWindow = false;
  let curId = NO_WINDOW;
  let curEnd = 0;
  let curRight = 0;
  let curWidth = 0;
  let prevRight: number | null = null;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const ts = file.timestamps[i] as number;
    const next = file.windows[nextWindow];
    if (next !== undefined && ts === next[0]) {
      const left = indexOf.get(next[0]);
      const right = indexOf.get(next[1]);
      if (left === undefined || right === undefined) throw new RangeError(`${file.path}: window end is not a row timestamp`);
      inWindow = true;
      curId = firstWindowId + nextWindow;
      curEnd = next[1];
      curRight = right;
      curWidth = right - left + 1;
      nextWindow++;
    }
    let weight: number;
    if (inWindow) {
      const position = -(curRight - i + 1) / curWidth;
      weight = (scaledSigmoid(position) * cost.tpWeight) / maxTP;
    } else {
      const unweighted = prevRight === null ? -1.0 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
      weight = unweighted * cost.fpWeight;
    }
    scores[i] = file.scores[i] as number;
    weights[i] = weight;
    windows[i] = i >= probation ? (inWindow ? curId : NO_WINDOW) : PROBATION;
    if (inWindow && ts === curEnd) {
      prevRight = i;
      prevWidth = curWidth;
      inWindow = false;
      curId = NO_WINDOW;
    }
  }
  return { scores, weights, windows, windowCount: firstWindowId + file.windows.length };
}

/** Concatenate swept files (ids must already be disjoint). */
export function concatRows(parts: readonly SweepRows[]): SweepRows {
  const total = parts.reduce((s, p) => s + p.scores.length, 0);
  const out: SweepRows = {
    scores: new Float64Array(total), weights: new Float64Array(total), windows: new Int32Array(total), windowCount: 0,
  };
  let at = 0;
  for (const p of parts) {
    out.scores.set(p.scores, at);
    out.weights.set(p.weights, at);
    out.windows.set(p.windows, at);
    at += p.scores.length;
    out.windowCount = Math.max(out.windowCount, p.windowCount);
  }
  return out;
}

/**
 * Score at every distinct threshold, highest first (NAB `calcScoreByThreshold`): a row
 * detects when its score >= threshold; a window is worth its earliest (= heaviest) hit or
 * -fnWeight; false positives add their weights.
 */
export function scoreByThreshold(rows: SweepRows, cost: CostMatrix): ThresholdScore[] {
  const order: number[] = [];
  for (let i = 0; i < rows.scores.length; i++) if (rows.windows[i] !== PROBATION) order.push(i);
  // Array.prototype.sort is stable, like Python's sorted(reverse=True).
  order.sort((a, b) => (rows.scores[b] as number) - (rows.scores[a] as number));

  // Python sums dict values in insertion order: "fp" first, then windows as first met in `order`.
  const partOf = new Int32Array(rows.windowCount).fill(-1);
  const parts: number[] = [0];
  let tn = 0;
  let fn = 0;
  for (const i of order) {
    const w = rows.windows[i] as number;
    if (w === NO_WINDOW) { tn++; continue; }
    fn++;
    if (partOf[w] === -1) { partOf[w] = parts.length; parts.push(-cost.fnWeight); }
  }
  const sumParts = (): number => {
    let s = 0;
    for (const v of parts) s += v;
    return s;
  };

  const out: ThresholdScore[] = [];
  let tp = 0;
  let fp = 0;
  let cur = NEVER_THRESHOLD;
  for (const i of order) {
    const score = rows.scores[i] as number;
    if (score !== cur) {
      out.push({ threshold: cur, score: sumParts(), tp, tn, fp, fn });
      cur = score;
    }
    const w = rows.windows[i] as number;
    const weight = rows.weights[i] as number;
    if (w === NO_WINDOW) {
      fp++; tn--;
      parts[0] = (parts[0] as number) + weight;
    } else {
      tp++; fn--;
      const p = partOf[w] as number;
      if (weight > (parts[p] as number)) parts[p] = weight;
    }
  }
  out.push({ threshold: cur, score: sumParts(), tp, tn, fp, fn });
  return out;
}

/** The row NAB's `scoreDataSet` picks for a fixed threshold: exact match, else the last one above it. */
export function pickThreshold(byThreshold: readonly ThresholdScore[], threshold: number): ThresholdScore {
  let prev: ThresholdScore | undefined;
  for (const row of byThreshold) {
    if (row.threshold === threshold) return row;
    if (row.threshold < threshold) return prev ?? row;
    prev = row;
  }
  const last = byThreshold[byThreshold.length - 1];
  if (last === undefined) throw new RangeError('empty threshold list');
  return last;
}

/** Corpus-wide best threshold: max score; ties go to the higher threshold (first in the list). */
export function optimizeThreshold(files: readonly ScoredFile[], cost: CostMatrix): ThresholdScore {
  const parts: SweepRows[] = [];
  let nextId = 0;
  for (const f of files) {
    const rows = sweepFile(f, cost, nextId);
    nextId = rows.windowCount;
    parts.push(rows);
  }
  const all = scoreByThreshold(concatRows(parts), cost);
  let best = all[0] as ThresholdScore;
  for (const r of all) if (r.score > best.score) best = r;
  return best;
}

export interface FileScore extends ThresholdScore {
  path: string;
}

/** Per-file scores at a fixed threshold and their corpus total (NAB `scoreCorpus`). */
export function scoreCorpusAt(files: readonly ScoredFile[], cost: CostMatrix, threshold: number): { total: number; files: FileScore[] } {
  const perFile: FileScore[] = [];
  let total = 0;
  for (const f of files) {
    const row = pickThreshold(scoreByThreshold(sweepFile(f, cost), cost), threshold);
    perFile.push({ ...row, threshold, path: f.path });
    total += row.score;
  }
  return { total, files: perFile };
}

/** 100 * (raw - null) / (perfect - null), with NAB's null (never fires) and perfect detectors. */
export function normalise(raw: number, windowCount: number, cost: CostMatrix): number {
  const perfect = cost.tpWeight * windowCount;
  const nullScore = -cost.fnWeight * windowCount;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}
