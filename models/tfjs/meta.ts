import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ForesightError } from '../../core/errors.ts';
import { FEATURES } from './features.ts';

/** Bumped whenever the features, targets or architecture change meaning. */
export const MODEL_FORMAT_VERSION = 'tfjs-mlp-quantile@3';

/** Validation of a model on the held-out tail of its training series, per forecaster. */
export const validationSchema = z.object({
  /** Forecast step the decision is taken on. */
  horizon: z.number().int().positive(),
  /** MASE at `horizon` of every forecaster evaluated, tfjs_mlp included. */
  mase: z.record(z.string(), z.number().nullable()),
  bestBaseline: z.string().nullable(),
  /** Scored (origin, horizon) points per forecaster. */
  points: z.number().int().nonnegative(),
  /** Whether the model beat the best baseline and was made the store's current version. */
  promoted: z.boolean(),
}).strict();

export const modelMetaSchema = z.object({
  format: z.string(),
  /** Model version: creation time plus a hash of the weights, so versions sort by time. */
  version: z.string().regex(/^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$/),
  createdAt: z.string(),
  window: z.number().int().positive(),
  horizon: z.number().int().positive(),
  quantiles: z.array(z.number().gt(0).lt(1)).min(1),
  stepMs: z.number().int().positive(),
  features: z.array(z.string()),
  hidden: z.array(z.number().int().positive()),
  normalisation: z.object({ latencyScale: z.number().positive(), throughputScale: z.number().positive(), timeOfDay: z.boolean() }).strict(),
  trainedOn: z.object({
    series: z.number().int().nonnegative(),
    services: z.number().int().nonnegative(),
    points: z.number().int().nonnegative(),
    samples: z.number().int().nonnegative(),
    files: z.array(z.string()),
    from: z.number().nullable(),
    to: z.number().nullable(),
  }).strict(),
  training: z.object({
    epochs: z.number().int().nonnegative(),
    maxEpochs: z.number().int().nonnegative(),
    bestEpoch: z.number().int().nullable(),
    seed: z.number().int(),
    finalLoss: z.number().nullable(),
    validationLoss: z.number().nullable(),
    backend: z.string(),
    seconds: z.number().nonnegative(),
  }).strict(),
  validation: validationSchema.nullable(),
}).strict();

export type ModelMeta = z.infer<typeof modelMetaSchema>;
export type ModelValidation = z.infer<typeof validationSchema>;

/** `20260101T000000Z-1a2b3c4d`: lexical order is creation order, the hash tells equal times apart. */
export function modelVersionId(createdAtMs: number, weights: readonly Uint8Array[]): string {
  const stamp = new Date(createdAtMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const h = createHash('sha256');
  for (const w of weights) h.update(w);
  return `${stamp}-${h.digest('hex').slice(0, 8)}`;
}

/** What the running daemon needs from a model to use its forecasts. */
export interface ModelRequirements {
  stepMs: number;
  /** Steps the daemon forecasts; the model must cover at least these. */
  horizon: number;
  quantiles: readonly number[];
}

function fail(name: string, why: string, details?: Record<string, unknown>): never {
  throw new ForesightError('MODEL_LOAD_FAILED', `model "${name}" is not usable: ${why}`, { details });
}

/** Parses stored metadata and checks it fits this build and this configuration. */
export function checkMeta(name: string, raw: unknown, req: ModelRequirements): ModelMeta {
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== MODEL_FORMAT_VERSION) fail(name, `format ${format}, this build reads ${MODEL_FORMAT_VERSION}`, { format });
  const parsed = modelMetaSchema.safeParse(raw);
  if (!parsed.success) fail(name, `meta.json is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = parsed.data;
  if (meta.features.join(',') !== FEATURES.join(',')) fail(name, `features [${meta.features.join(', ')}] differ from [${FEATURES.join(', ')}]`);
  if (meta.stepMs !== req.stepMs) fail(name, `trained on ${meta.stepMs} ms steps, configured ${req.stepMs} ms`);
  if (meta.horizon < req.horizon) fail(name, `horizon ${meta.horizon} steps is shorter than the configured ${req.horizon}`);
  const missing = req.quantiles.filter((q) => !meta.quantiles.includes(q));
  if (missing.length > 0) fail(name, `quantiles [${missing.join(', ')}] are not among the model's [${meta.quantiles.join(', ')}]`);
  return meta;
}
