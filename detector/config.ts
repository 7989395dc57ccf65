import { z } from 'zod';
import { breachConfigSchema } from './breach/config.ts';
import { anomalyConfigSchema } from './anomaly/config.ts';

/** Configuration of the detector stage (top-level key `detector`). */
export const detectorConfigSchema = z.object({
  breach: breachConfigSchema.prefault({}),
  anomaly: anomalyConfigSchema.prefault({}),
}).strict();

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
