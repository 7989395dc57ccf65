import type * as tfjs from '@tensorflow/tfjs';
import type { SeriesPoint } from '../types.ts';
import type { Tf } from './backend.ts';
import { buildSamples, FEATURE_COUNT, FEATURES, fitNormalisation, type Samples } from './features.ts';
import { MODEL_FORMAT_VERSION, modelVersionId, type ModelMeta } from './meta.ts';

export interface TrainOptions {
  tf: Tf;
  /** Input steps. */
  window?: number;
  /** Output steps. */
  horizon: number;
  quantiles: readonly number[];
  stepMs: number;
  /** Upper bound on epochs (default DEFAULT_MAX_EPOCHS); early stopping usually ends sooner. */
  epochs?: number;
  /** Epochs without a better validation loss before training stops. */
  patience?: number;
  /** Share of windows (in blocks of `horizon` consecutive ones) kept out of fitting for early stopping. */
  validationFraction?: number;
  batchSize?: number;
  learningRate?: number;
  /** Hidden layer widths. */
  hidden?: number | readonly number[];
  seed?: number;
  /** L2 penalty on every kernel: keeps a model fitted on little history close to the base forecast. */
  l2?: number;
  dropout?: number;
  /** Stamped into meta.createdAt and the version; injected so training is reproducible. */
  now?: number;
  /** Recorded in meta.trainedOn. */
  files?: readonly string[];
  services?: number;
  onEpoch?: (epoch: number, loss: number, validationLoss: number | null) => void;
}

export interface TrainedModel {
  model: tfjs.LayersModel;
  meta: ModelMeta;
}

/** Small, deterministic PRNG for the sample order (Math.random would make runs differ). */
/** Consecutive windows held out together for early stopping. */
const VAL_BLOCK = 10;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pinball (quantile) loss over outputs laid out step-major: index h * Q + k is quantile k
 * at step h; targets are repeated per quantile so shapes match what tfjs-layers checks.
 */
export function pinballLoss(tf: Tf, quantiles: readonly number[], horizon: number): (yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tfjs.Tensor {
  const q = new Float32Array(horizon * quantiles.length);
  for (let h = 0; h < horizon; h++) for (let k = 0; k < quantiles.length; k++) q[h * quantiles.length + k] = quantiles[k] as number;
  return (yTrue, yPred) => tf.tidy(() => {
    const qv = tf.tensor1d(q);
    const d = tf.sub(yTrue, yPred);
    return tf.mean(tf.maximum(tf.mul(qv, d), tf.mul(tf.sub(qv, 1), d)));
  });
}

/**
 * An MLP over the flattened window. The output layer starts at zero, so an untrained
 * network forecasts the window's base (a smoothed last value) and training only has to
 * learn departures from it.
 */
export function buildModel(tf: Tf, window: number, horizon: number, quantiles: number, hidden: readonly number[], seed: number, l2 = 0, dropout = 0): tfjs.Sequential {
  const model = tf.sequential();
  const reg = l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2 }) } : {};
  hidden.forEach((units, i) => {
    model.add(tf.layers.dense({
      ...(i === 0 ? { inputShape: [window * FEATURE_COUNT] } : {}),
      units,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
      biasInitializer: 'zeros',
      ...reg,
    }));
    if (dropout > 0) model.add(tf.layers.dropout({ rate: dropout, seed: seed + 100 + i }));
  });
  model.add(tf.layers.dense({
    ...(hidden.length === 0 ? { inputShape: [window * FEATURE_COUNT] } : {}),
    units: horizon * quantiles,
    kernelInitializer: 'zeros',
    biasInitializer: 'zeros',
    ...reg,
  }));
  return model;
}

function shuffled(samples: Samples, inSize: number, outSize: number, seed: number): Samples {
  const order = Array.from({ length: samples.count }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const x = new Float32Array(samples.x.length);
  const y = new Float32Array(samples.y.length);
  order.forEach((src, dst) => {
    x.set(samples.x.subarray(src * inSize, (src + 1) * inSize), dst * inSize);
    y.set(samples.y.subarray(src * outSize, (src + 1) * outSize), dst * outSize);
  });
  return { x, y, count: samples.count, starts: samples.starts };
}

function partition(all: Samples, isVal: (i: number) => boolean, inSize: number, outSize: number): { fit: Samples; val: Samples } {
  let nVal = 0;
  for (let i = 0; i < all.count; i++) if (isVal(i)) nVal++;
  const make = (n: number): Samples => ({ x: new Float32Array(n * inSize), y: new Float32Array(n * outSize), count: n, starts: new Int32Array(n) });
  const fit = make(all.count - nVal);
  const val = make(nVal);
  const cursor = { fit: 0, val: 0 };
  for (let i = 0; i < all.count; i++) {
    const which = isVal(i) ? 'val' : 'fit';
    const dst = which === 'val' ? val : fit;
    const j = cursor[which]++;
    dst.x.set(all.x.subarray(i * inSize, (i + 1) * inSize), j * inSize);
    dst.y.set(all.y.subarray(i * outSize, (i + 1) * outSize), j * outSize);
    dst.starts[j] = all.starts[i] as number;
  }
  return { fit, val };
}

function span(series: readonly (readonly SeriesPoint[])[]): { from: number | null; to: number | null; points: number } {
  let from: number | null = null;
  let to: number | null = null;
  let points = 0;
  for (const s of series) {
    points += s.length;
    const a = s[0]?.t;
    const b = s[s.length - 1]?.t;
    if (a !== undefined && (from === null || a < from)) from = a;
    if (b !== undefined && (to === null || b > to)) to = b;
  }
  return { from, to, points };
}

/**
 * Trains a quantile forecaster on regular series (consecutive points are consecutive
 * steps). Blocks of windows (`validationFraction` of them) are held out of fitting;
 * training stops when their pinball loss has not improved for `patience` epochs and keeps
 * the best epoch's weights.
 *
 * Defaults (window 16, one hidden layer of 16, L2 0.03) were chosen on the simulator
 * suite with a time split (docs/forecasting.md): larger networks fitted the few hours of
 * history in the training half and lost to the last-value baseline on the rest. Deterministic on the CPU backend for a given seed: seeded initialisers,
 * a seeded sample order and no shuffling inside fit().
 */
/** Epochs at most when the caller names none (`foresight train` shows progress against it). */
export const DEFAULT_MAX_EPOCHS = 150;

export async function trainModel(series: readonly (readonly SeriesPoint[])[], opts: TrainOptions): Promise<TrainedModel> {
  const started = performance.now();
  const { tf, horizon, quantiles, stepMs } = opts;
  const window = opts.window ?? 16;
  const maxEpochs = opts.epochs ?? DEFAULT_MAX_EPOCHS;
  const patience = opts.patience ?? 10;
  const seed = opts.seed ?? 42;
  const hidden = typeof opts.hidden === 'number' ? [opts.hidden] : [...(opts.hidden ?? [16])];
  const valFraction = opts.validationFraction ?? 0.2;
  const Q = quantiles.length;
  const inSize = window * FEATURE_COUNT;
  const outSize = horizon * Q;

  const norm = fitNormalisation(series, window);
  const all = buildSamples(series, window, horizon, Q, norm);
  if (all.count === 0) throw new RangeError(`no training samples: every series is shorter than window + horizon (${window + horizon})`);
  // Early stopping needs samples the fit does not see. Whole blocks of `horizon` windows
  // are held out (every fifth block when valFraction is 0.2), so a held-out window's
  // neighbours, which share most of its points, are mostly held out with it.
  const every = valFraction > 0 ? Math.max(2, Math.round(1 / valFraction)) : 0;
  const isVal = (i: number): boolean => every > 0 && Math.floor((all.starts[i] as number) / VAL_BLOCK) % every === Math.floor(every / 2);
  const { fit, val } = partition(all, isVal, inSize, outSize);
  if (fit.count === 0) throw new RangeError('no training samples left after holding out validation blocks');
  const train = shuffled(fit, inSize, outSize, seed);

  const model = buildModel(tf, window, horizon, Q, hidden, seed, opts.l2 ?? 0.03, opts.dropout ?? 0);
  const loss = pinballLoss(tf, quantiles, horizon);
  model.compile({ optimizer: tf.train.adam(opts.learningRate ?? 0.002), loss });
  const xs = tf.tensor2d(train.x, [train.count, inSize]);
  const ys = tf.tensor2d(train.y, [train.count, outSize]);
  const vx = val.count > 0 ? tf.tensor2d(val.x, [val.count, inSize]) : undefined;
  const vy = val.count > 0 ? tf.tensor2d(val.y, [val.count, outSize]) : undefined;
  let finalLoss: number | null = null;
  let best: { loss: number; epoch: number; weights: tfjs.Tensor[] } | undefined;
  let epochsRun = 0;
  try {
    for (let epoch = 0; epoch < maxEpochs; epoch++) {
      const hist = await model.fit(xs, ys, { epochs: 1, batchSize: opts.batchSize ?? 64, shuffle: false, verbose: 0 });
      epochsRun++;
      const l = hist.history.loss?.[0];
      finalLoss = typeof l === 'number' ? l : null;
      let vLoss: number | null = null;
      if (vx && vy) {
        vLoss = tf.tidy(() => loss(vy, model.predict(vx) as tfjs.Tensor).dataSync()[0] ?? Number.NaN);
      }
      opts.onEpoch?.(epoch, finalLoss ?? Number.NaN, vLoss);
      if (vLoss === null) continue;
      if (!best || vLoss < best.loss) {
        best?.weights.forEach((w) => w.dispose());
        best = { loss: vLoss, epoch, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= patience) {
        break;
      }
    }
    if (best) model.setWeights(best.weights);
  } finally {
    xs.dispose();
    ys.dispose();
    vx?.dispose();
    vy?.dispose();
    best?.weights.forEach((w) => w.dispose());
  }

  const now = opts.now ?? 0;
  const weights = model.getWeights().map((w) => new Uint8Array((w.dataSync() as Float32Array).slice().buffer));
  const { from, to, points } = span(series);
  const meta: ModelMeta = {
    format: MODEL_FORMAT_VERSION,
    version: modelVersionId(now, weights),
    createdAt: new Date(now).toISOString(),
    window,
    horizon,
    quantiles: [...quantiles],
    stepMs,
    features: [...FEATURES],
    hidden,
    normalisation: norm,
    trainedOn: { series: series.length, services: opts.services ?? series.length, points, samples: fit.count, files: [...(opts.files ?? [])], from, to },
    training: {
      epochs: epochsRun, maxEpochs, bestEpoch: best ? best.epoch + 1 : null, seed, finalLoss,
      validationLoss: best ? best.loss : null, backend: tf.getBackend(), seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    },
    validation: null,
  };
  return { model, meta };
}
