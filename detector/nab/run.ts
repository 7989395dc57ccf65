/**
 * `eval nab`: stream every NAB series through our detector (online, one point at a time,
 * nothing from the labels), write NAB-format results, and score them.
 *
 *   data/**.csv ─► createAnomalyDetector().update(t, v) ─► results/<detector>/… ─► scoreCorpus
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { createAnomalyDetector } from '../anomaly/detector.ts';
import type { AnomalyParams } from '../anomaly/detector.ts';
import { scoreCorpus } from './evaluate.ts';
import type { CorpusResult } from './evaluate.ts';
import { readResults, readSeries, readWindows, writeResult } from './io.ts';
import type { ScoredFile } from './score.ts';
import type { NabProfile } from './profiles.ts';
import { ForesightError } from '../../core/errors.ts';

export const DETECTOR_NAME = 'foresight';

/**
 * How far a NAB run is, for the caller's progress: the phase (each phase starts at its first
 * call) and units done of total: series run through the detector, results files read, NAB
 * profiles scored, cross-validation folds chosen.
 */
export type NabProgress = (phase: 'detecting' | 'reading' | 'scoring' | 'folds', done: number, total: number) => void;

export interface NabSummary {
  standard: number;
  reward_low_FP_rate: number;
  reward_low_FN_rate: number;
  files: number;
  points: number;
  seconds: number;
  thresholds: Record<NabProfile, number>;
  raw: Record<NabProfile, number>;
  detector: string;
}

export interface EvalNabOptions {
  /** Where to write results/<detector>/…; nothing is written when absent. */
  outDir?: string;
  params?: Partial<AnomalyParams>;
  progress?: (msg: string) => void;
  onProgress?: NabProgress;
}

function summarise(result: CorpusResult, detector: string, files: number, points: number, seconds: number): NabSummary {
  return {
    standard: result.standard.normalized,
    reward_low_FP_rate: result.reward_low_FP_rate.normalized,
    reward_low_FN_rate: result.reward_low_FN_rate.normalized,
    files,
    points,
    seconds,
    thresholds: {
      standard: result.standard.threshold,
      reward_low_FP_rate: result.reward_low_FP_rate.threshold,
      reward_low_FN_rate: result.reward_low_FN_rate.threshold,
    },
    raw: { standard: result.standard.score, reward_low_FP_rate: result.reward_low_FP_rate.score, reward_low_FN_rate: result.reward_low_FN_rate.score },
    detector,
  };
}

/** Scores of our detector for one series, computed online. */
export function detectSeries(times: ArrayLike<number>, values: ArrayLike<number>, params?: Partial<AnomalyParams>): Float64Array {
  const det = createAnomalyDetector(params);
  const out = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) out[i] = det.update(times[i] as number, values[i] as number);
  return out;
}

export function evalNab(nabRoot: string, opts: EvalNabOptions = {}): NabSummary {
  const started = performance.now();
  const progress = opts.progress ?? (() => undefined);
  const series = readSeries(nabRoot);
  const windows = readWindows(nabRoot);
  const files: ScoredFile[] = [];
  let points = 0;
  opts.onProgress?.('detecting', 0, series.length);
  for (const [k, s] of series.entries()) {
    const scores = detectSeries(s.times, s.values, opts.params);
    const win = windows.get(s.path);
    if (win === undefined) throw new ForesightError('INPUT_INVALID', `${s.path} has no entry in labels/combined_windows.json`);
    if (opts.outDir !== undefined) writeResult(join(opts.outDir), DETECTOR_NAME, s, scores, win);
    files.push({ path: s.path, timestamps: s.times, scores, windows: win });
    points += s.times.length;
    progress(`[${k + 1}/${series.length}] ${s.path} (${s.times.length} rows)`);
    opts.onProgress?.('detecting', k + 1, series.length);
  }
  progress('scoring');
  const result = scoreCorpus(files, (done, total) => opts.onProgress?.('scoring', done, total));
  return summarise(result, DETECTOR_NAME, files.length, points, (performance.now() - started) / 1000);
}

/** Scores an existing NAB-layout results folder (results/<detector>/, plain or .csv.gz). */
export function scoreOnly(resultsDir: string, nabRoot: string, progress: (msg: string) => void = () => undefined, onProgress?: NabProgress): NabSummary {
  const started = performance.now();
  const windows = readWindows(nabRoot);
  const { detector, results } = readResults(resultsDir, (done, total) => onProgress?.('reading', done, total));
  progress(`read ${results.length} result files of ${detector}`);
  const files: ScoredFile[] = results.map((r) => {
    const win = windows.get(r.path);
    if (win === undefined) throw new ForesightError('INPUT_INVALID', `${r.path} has no entry in labels/combined_windows.json`);
    return { path: r.path, timestamps: r.times, scores: r.scores, windows: win };
  });
  if (files.length === 0) throw new ForesightError('INPUT_INVALID', `no results files under ${resultsDir}`);
  const points = files.reduce((s, f) => s + f.timestamps.length, 0);
  const result = scoreCorpus(files, (done, total) => onProgress?.('scoring', done, total));
  return summarise(result, detector, files.length, points, (performance.now() - started) / 1000);
}
