import { z } from 'zod';

/** Predicted-breach detection (key `detector.breach`). */
export const breachConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Raise when the breach probability within the horizon reaches this... */
  raiseProbability: z.number().gt(0).lt(1).default(0.5),
  /** ...for this many consecutive windows. */
  minPersistence: z.number().int().min(1).default(2),
  /** An episode ends when the probability falls below this. */
  clearProbability: z.number().min(0).lt(1).default(0.2),
}).strict().refine((c) => c.clearProbability < c.raiseProbability, {
  path: ['clearProbability'],
  message: 'clearProbability must be below raiseProbability, or an episode could end and restart in one window',
});

export type BreachConfig = z.infer<typeof breachConfigSchema>;
