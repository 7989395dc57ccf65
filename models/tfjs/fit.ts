import type { ModelsConfig } from '../config.ts';
import { horizonSteps } from '../config.ts';
import { baselineFactories, MASE_BASELINE } from '../baselines.ts';
import { calibrationOf } from '../calibration.ts';
import { evaluateForecasters, maseAt, type EvalResult, type EvalSeries } from '../evaluate.ts';
import { contiguousRuns } from '../series.ts';
import type { SeriesPoint } from '../types.ts';
import type { Tf } from './backend.ts';
import { TfForecaster } from './forecaster.ts';
import { trainModel, type TrainedModel, type TrainOptions } from './model.ts';

export interface FitOptions extends Omit<TrainOptions, 'tf' | 'horizon' | 'quantiles' | 'stepMs' | 'services'> {
  /** Share of each series' tail held out to validate the model against the baselines. */
  holdout?: number;
  /** Forecast step the promotion decision is taken on. */
  decisionHorizon?: number;
  /** Between training and validating (the caller switches its progress from epochs to series). */
  onValidate?: () => void;
  /** After each validated series: how many are done of how many (the caller's progress). */
  onValidateSeries?: (done: number, total: number) => void;
}

export interface FitResult {
  trained: TrainedModel;
  evaluation: EvalResult;
  /** True when the model's MASE at the decision horizon is no worse than the best baseline's. */
  promote: boolean;
  tfMase: number | null;
  bestBaseline: string | null;
  bestBaselineMase: number | null;
}

/** Index of a series' first held-out point when the last `holdout` share of its `length` points is held out. */
export function heldOutFrom(length: number, holdout: number): number {
  return Math.floor(length * (1 - holdout));
}

/**
 * Trains on the first `1 − holdout` of every series given (each split into its contiguous
 * runs), nothing else: `eval forecast` passes only some series (those of other scenario
 * families, or of other scenarios) to keep the scored ones out of training entirely.
 */
export async function trainOnFirstParts(tf: Tf, series: readonly (readonly SeriesPoint[])[], config: ModelsConfig, opts: FitOptions = {}): Promise<TrainedModel> {
  const holdout = opts.holdout ?? 0.2;
  const runs: SeriesPoint[][] = [];
  for (const s of series) runs.push(...contiguousRuns(s.slice(0, heldOutFrom(s.length, holdout)), config.stepMs));
  return trainModel(runs, { ...opts, tf, horizon: horizonSteps(config), quantiles: config.quantiles, stepMs: config.stepMs, services: series.length });
}

/**
 * Trains on the first part of every service's history and validates on the rest against
 * the statistical forecasters, the way `eval forecast` measures them. The model that is
 * returned never saw the validation targets.
 */
export async function fitAndValidate(tf: Tf, series: ReadonlyMap<string, readonly SeriesPoint[]>, config: ModelsConfig, opts: FitOptions = {}): Promise<FitResult> {
  const holdout = opts.holdout ?? 0.2;
  const decision = opts.decisionHorizon ?? 15;
  const steps = horizonSteps(config);
  const evalSeries: EvalSeries[] = [...series].map(([id, s]) => ({ id, points: s, testFrom: heldOutFrom(s.length, holdout) }));
  const trained = await trainOnFirstParts(tf, [...series.values()], config, { ...opts, holdout });
  opts.onValidate?.();
  const factories = [...baselineFactories(config), { name: 'tfjs_mlp', create: () => new TfForecaster(tf, trained, { stepMs: config.stepMs }) }];
  const horizons = [...new Set([5, decision, 15, 30].filter((h) => h <= steps))].sort((a, b) => a - b);
  const evaluation = evaluateForecasters(evalSeries, factories, { stepMs: config.stepMs, horizons, baseline: MASE_BASELINE, calibration: calibrationOf(config), onSeries: opts.onValidateSeries });
  const { mase, best, bestMase } = maseAt(evaluation, decision, 'tfjs_mlp');
  const tfMase = mase.tfjs_mlp ?? null;
  const promote = tfMase !== null && (bestMase === null || tfMase <= bestMase);
  trained.meta.validation = { horizon: decision, mase, bestBaseline: best, points: evaluation.points[String(decision)] ?? 0, promoted: promote };
  return { trained, evaluation, promote, tfMase, bestBaseline: best, bestBaselineMase: bestMase };
}
