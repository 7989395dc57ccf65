import type * as tfjs from '@tensorflow/tfjs';
import type { SeriesPoint } from '../types.ts';
import type { Tf } from './backend.ts';
import { buildSamples, FEATURE_COUNT, FEATURES, fitNormalisation } from './features.ts';
import { MODEL_FORMAT_VERSION, type ModelMeta } from './meta.ts';

export interface TrainOptions {
  tf: Tf;
  /** Input steps. */
  window?: number;
  /** Output steps. */
  horizon: number;
  quantiles: readonly number[];
  stepMs: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  hidden?: number;
  seed?: number;
  /** Stamped into meta.createdAt; injected so training is reproducible. */
  now?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedModel {
  model: tfjs.LayersModel;
  meta: ModelMeta;
}

/** Small, deterministic PRNG for the sample order (Math.random would make runs differ). */
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

/** A one-hidden-layer MLP: inference is one 160x32 and one 32x(H*Q) product per call. */
export function buildModel(tf: Tf, window: number, horizon: number, quantiles: number, hidden: number, seed: number): tfjs.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({
    inputShape: [window * FEATURE_COUNT],
    units: hidden,
    activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  }));
  model.add(tf.layers.dense({
    units: horizon * quantiles,
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: 'zeros',
  }));
  return model;
}

/**
 * Trains a quantile forecaster on regular series (consecutive points are consecutive
 * steps). Deterministic on the CPU backend for a given seed: seeded initialisers, a
 * seeded sample order and no shuffling inside fit().
 */
export async function trainModel(series: readonly (readonly SeriesPoint[])[], opts: TrainOptions): Promise<TrainedModel> {
  const { tf, horizon, quantiles, stepMs } = opts;
  const window = opts.window ?? 32;
  const epochs = opts.epochs ?? 20;
  const seed = opts.seed ?? 42;
  const Q = quantiles.length;
  const norm = fitNormalisation(series);
  const samples = buildSamples(series, window, horizon, Q, norm);
  if (samples.count === 0) throw new RangeError(`no training samples: every series is shorter than window + horizon (${window + horizon})`);

  // Permute samples once with a seeded PRNG so mini-batches are not runs of one series.
  const order = Array.from({ length: samples.count }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const inSize = window * FEATURE_COUNT;
  const outSize = horizon * Q;
  const x = new Float32Array(samples.x.length);
  const y = new Float32Array(samples.y.length);
  order.forEach((src, dst) => {
    x.set(samples.x.subarray(src * inSize, (src + 1) * inSize), dst * inSize);
    y.set(samples.y.subarray(src * outSize, (src + 1) * outSize), dst * outSize);
  });

  const model = buildModel(tf, window, horizon, Q, opts.hidden ?? 32, seed);
  model.compile({ optimizer: tf.train.adam(opts.learningRate ?? 0.005), loss: pinballLoss(tf, quantiles, horizon) });
  const xs = tf.tensor2d(x, [samples.count, inSize]);
  const ys = tf.tensor2d(y, [samples.count, outSize]);
  let finalLoss: number | null = null;
  try {
    const hist = await model.fit(xs, ys, {
      epochs,
      batchSize: opts.batchSize ?? 64,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch, logs) => {
          const loss = logs?.loss;
          if (typeof loss === 'number') { finalLoss = loss; opts.onEpoch?.(epoch, loss); }
        },
      },
    });
    const losses = hist.history.loss;
    const last = losses?.[losses.length - 1];
    if (typeof last === 'number') finalLoss = last;
  } finally {
    xs.dispose();
    ys.dispose();
  }

  let from: number | null = null;
  let to: number | null = null;
  for (const s of series) {
    const a = s[0]?.t;
    const b = s[s.length - 1]?.t;
    if (a !== undefined && (from === null || a < from)) from = a;
    if (b !== undefined && (to === null || b > to)) to = b;
  }
  const meta: ModelMeta = {
    version: MODEL_FORMAT_VERSION,
    createdAt: new Date(opts.now ?? 0).toISOString(),
    window,
    horizon,
    quantiles: [...quantiles],
    stepMs,
    features: [...FEATURES],
    normalisation: norm,
    trainedOn: { series: series.length, samples: samples.count, from, to },
    training: { epochs, seed, finalLoss, backend: tf.getBackend() },
  };
  return { model, meta };
}
