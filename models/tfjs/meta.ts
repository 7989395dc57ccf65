import { z } from 'zod';
import { ForesightError } from '../../core/errors.ts';
import { FEATURES } from './features.ts';

/** Bumped whenever the features, targets or architecture change meaning. */
export const MODEL_FORMAT_VERSION = 'tfjs-mlp-quantile@1';

const stat = z.object({ mean: z.number(), std: z.number().positive() }).strict();

export const modelMetaSchema = z.object({
  version: z.string(),
  createdAt: z.string(),
  window: z.number().int().positive(),
  horizon: z.number().int().positive(),
  quantiles: z.array(z.number().gt(0).lt(1)).min(1),
  stepMs: z.number().int().positive(),
  features: z.array(z.string()),
  normalisation: z.object({ logLatency: stat, logThroughput: stat }).strict(),
  trainedOn: z.object({
    series: z.number().int().nonnegative(),
    samples: z.number().int().nonnegative(),
    from: z.number().nullable(),
    to: z.number().nullable(),
  }).strict(),
  training: z.object({
    epochs: z.number().int().nonnegative(),
    seed: z.number().int(),
    finalLoss: z.number().nullable(),
    backend: z.string(),
  }).strict(),
}).strict();

export type ModelMeta = z.infer<typeof modelMetaSchema>;

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
  const parsed = modelMetaSchema.safeParse(raw);
  if (!parsed.success) fail(name, `meta.json is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = parsed.data;
  if (meta.version !== MODEL_FORMAT_VERSION) fail(name, `format ${meta.version}, this build reads ${MODEL_FORMAT_VERSION}`, { version: meta.version });
  if (meta.features.join(',') !== FEATURES.join(',')) fail(name, `features [${meta.features.join(', ')}] differ from [${FEATURES.join(', ')}]`);
  if (meta.stepMs !== req.stepMs) fail(name, `trained on ${meta.stepMs} ms steps, configured ${req.stepMs} ms`);
  if (meta.horizon < req.horizon) fail(name, `horizon ${meta.horizon} steps is shorter than the configured ${req.horizon}`);
  const missing = req.quantiles.filter((q) => !meta.quantiles.includes(q));
  if (missing.length > 0) fail(name, `quantiles [${missing.join(', ')}] are not among the model's [${meta.quantiles.join(', ')}]`);
  return meta;
}
