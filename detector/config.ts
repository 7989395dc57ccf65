import { z } from 'zod';
import { breachConfigSchema } from './breach/config.ts';
import { anomalyConfigSchema } from './anomaly/config.ts';
import { logPatternConfigSchema } from './logpattern/config.ts';

/** Configuration of the detector stage (top-level key `detector`). */
export const detectorConfigSchema = z.object({
  breach: breachConfigSchema.prefault({}),
  anomaly: anomalyConfigSchema.prefault({}),
  logPattern: logPatternConfigSchema.prefault({}),
}).strict();

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
