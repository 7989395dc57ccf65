/**
 * `eval nab --cv category`: leave one NAB category out, choose the detector's parameters and
 * the alarm threshold on the others, score the one left out with them.
 *
 *   every grid point ─► scores of every file (detectSeries, online)
 *   per category c:  best grid point on the other categories (standard profile, its own
 *                    optimised threshold) ─► that point's files of c at the training threshold
 *   pooled held-out raw scores of all folds ─► normalised over every window: the CV figure
 *
 * The threshold is a fitted parameter too: it is taken from the training categories, never
 * re-optimised on the held-out one.
 */
import { performance } from 'node:perf_hooks';
import type { AnomalyParams } from '../anomaly/detector.ts';
import { DEFAULT_ANOMALY_PARAMS } from '../anomaly/detector.ts';
import { ForesightError } from '../../core/errors.ts';
import { readSeries, readWindows } from './io.ts';
import { NAB_PROFILES, PROFILE_NAMES, type NabProfile } from './profiles.ts';
import { normalise, optimizeThreshold, scoreCorpusAt, type ScoredFile } from './score.ts';
import { detectSeries, type NabProgress } from './run.ts';

/**
 * The grid: the level at which the detector fires (its own threshold: a firing outputs 1, so
 * the scorer's threshold only chooses between firings and the evidence below fireLevel) and
 * the time-of-day smoothing, the two settings the in-sample score is most sensitive to
 * (docs/nab.md). 3 × 3 = 9 runs of the whole corpus (about 1.2 s each on an idle core).
 */
export const NAB_CV_GRID: ReadonlyArray<Partial<AnomalyParams>> = [0.4, 0.45, 0.5].flatMap((fireLevel) => [0.04, 0.08, 0.16].map((todAlpha) => ({ fireLevel, todAlpha })));

export const categoryOf = (path: string): string => path.split('/')[0] ?? path;

export interface NabFold {
  category: string;
  files: number;
  windows: number;
  chosen: Partial<AnomalyParams>;
  /** Standard-profile normalised score of the chosen point on the training categories. */
  trainStandard: number;
  thresholds: Record<NabProfile, number>;
  /** Raw held-out score per profile at the training threshold. */
  raw: Record<NabProfile, number>;
  /** Normalised on the category's own windows; null for a category without windows. */
  normalized: Record<NabProfile, number> | null;
}

export interface NabCvSummary {
  cv: 'category';
  files: number;
  windows: number;
  grid: ReadonlyArray<Partial<AnomalyParams>>;
  /** Held-out raw scores of every fold summed, normalised over all windows. */
  crossValidated: Record<NabProfile, number>;
  /** One parameter set chosen on every category, threshold optimised on every category. */
  inSample: { chosen: Partial<AnomalyParams> } & Record<NabProfile, number>;
  /** The default parameters, in sample (what `eval nab` reports). */
  defaults: Record<NabProfile, number>;
  folds: NabFold[];
  seconds: number;
}

const windowsIn = (files: readonly ScoredFile[]): number => files.reduce((a, f) => a + f.windows.length, 0);

/** Best grid point on `files` by the standard profile (first of equals), with its normalised score. */
function choose(byPoint: readonly ScoredFile[][], keep: (f: ScoredFile) => boolean): { g: number; standard: number } {
  let best = { g: 0, standard: -Infinity };
  for (const [g, files] of byPoint.entries()) {
    const train = files.filter(keep);
    const standard = normalise(optimizeThreshold(train, NAB_PROFILES.standard).score, windowsIn(train), NAB_PROFILES.standard);
    if (standard > best.standard) best = { g, standard };
  }
  return best;
}

function perProfile(f: (p: NabProfile) => number): Record<NabProfile, number> {
  return Object.fromEntries(PROFILE_NAMES.map((p) => [p, f(p)])) as Record<NabProfile, number>;
}

function inSampleScores(files: readonly ScoredFile[]): Record<NabProfile, number> {
  return perProfile((p) => normalise(optimizeThreshold(files, NAB_PROFILES[p]).score, windowsIn(files), NAB_PROFILES[p]));
}

/**
 * `onProgress`: 'detecting' after each run of the detector over a series (grid points × series
 * in all), then 'folds' after each held-out category and the in-sample choice.
 */
export function crossValidateNab(
  nabRoot: string, progress: (msg: string) => void = () => undefined, grid: ReadonlyArray<Partial<AnomalyParams>> = NAB_CV_GRID,
  onProgress?: NabProgress,
): NabCvSummary {
  const started = performance.now();
  const series = readSeries(nabRoot);
  const windows = readWindows(nabRoot);
  const runs = grid.length * series.length;
  onProgress?.('detecting', 0, runs);
  const byPoint: ScoredFile[][] = grid.map((params, g) => {
    progress(`grid point ${g + 1}/${grid.length}: ${JSON.stringify(params)}`);
    return series.map((s, k) => {
      const win = windows.get(s.path);
      if (win === undefined) throw new ForesightError('INPUT_INVALID', `${s.path} has no entry in labels/combined_windows.json`);
      const scores = detectSeries(s.times, s.values, params);
      onProgress?.('detecting', g * series.length + k + 1, runs);
      return { path: s.path, timestamps: s.times, scores, windows: win };
    });
  });
  const all = byPoint[0] ?? [];
  const categories = [...new Set(all.map((f) => categoryOf(f.path)))].sort();
  if (categories.length < 2) throw new ForesightError('USAGE', `--cv category needs at least two categories under ${nabRoot}/data, found ${categories.length}`);
  const folds: NabFold[] = [];
  const pooled = perProfile(() => 0);
  onProgress?.('folds', 0, categories.length + 1);
  for (const category of categories) {
    const inCat = (f: ScoredFile): boolean => categoryOf(f.path) === category;
    const { g, standard } = choose(byPoint, (f) => !inCat(f));
    const train = byPoint[g]!.filter((f) => !inCat(f));
    const test = byPoint[g]!.filter(inCat);
    const thresholds = perProfile((p) => optimizeThreshold(train, NAB_PROFILES[p]).threshold);
    const raw = perProfile((p) => scoreCorpusAt(test, NAB_PROFILES[p], thresholds[p]).total);
    for (const p of PROFILE_NAMES) pooled[p] += raw[p];
    const w = windowsIn(test);
    folds.push({
      category, files: test.length, windows: w, chosen: grid[g]!, trainStandard: standard, thresholds, raw,
      normalized: w > 0 ? perProfile((p) => normalise(raw[p], w, NAB_PROFILES[p])) : null,
    });
    progress(`held out ${category}: chose ${JSON.stringify(grid[g])} (train standard ${standard.toFixed(2)})`);
    onProgress?.('folds', folds.length, categories.length + 1);
  }
  const total = windowsIn(all);
  const chosen = choose(byPoint, () => true).g;
  onProgress?.('folds', categories.length + 1, categories.length + 1);
  const isDefault = (p: Partial<AnomalyParams>): boolean => Object.entries(p).every(([k, v]) => DEFAULT_ANOMALY_PARAMS[k as keyof AnomalyParams] === v);
  const defaultPoint = grid.findIndex(isDefault);
  return {
    cv: 'category',
    files: all.length,
    windows: total,
    grid,
    crossValidated: perProfile((p) => normalise(pooled[p], total, NAB_PROFILES[p])),
    inSample: { chosen: grid[chosen]!, ...inSampleScores(byPoint[chosen]!) },
    defaults: inSampleScores(defaultPoint >= 0 ? byPoint[defaultPoint]! : series.map((s) => ({ path: s.path, timestamps: s.times, scores: detectSeries(s.times, s.values), windows: windows.get(s.path)! }))),
    folds,
    seconds: (performance.now() - started) / 1000,
  };
}
