import { z } from 'zod';
import { breachConfigSchema } from './breach/config.ts';

/**
 * Configuration of the detector stage (top-level key `detector`). `anomaly` is a
 * placeholder until the anomaly detector declares its schema.
 */
export const detectorConfigSchema = z.object({
  breach: breachConfigSchema.prefault({}),
  anomaly: z.record(z.string(), z.unknown()).default({}),
}).strict();

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
