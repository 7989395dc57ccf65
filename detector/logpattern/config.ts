import { z } from 'zod';

/** Detections from what the logs say (key `detector.logPattern`). */
export const logPatternConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Raise on a template at warn level or above that the service never logged before. */
  newTemplates: z.boolean().default(true),
  /** Raise on a template whose count departs from its own history. */
  bursts: z.boolean().default(true),
  /**
   * Windows a service must have been seen for before its new templates count as new: at
   * start-up everything is new.
   */
  warmupWindows: z.number().int().min(0).default(10),
  /** Windows of a template's own history before its rate is judged. */
  minHistory: z.number().int().min(1).default(10),
  /** Weight of each window in a template's running share of its service's traffic. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Extra-Poisson variance (negative binomial 1/r): counts of real logs vary more than Poisson. */
  dispersion: z.number().min(0).default(0.1),
  /** Burst score (-log10 tail probability / 10, clipped to 1) to raise at. */
  threshold: z.number().gt(0).lte(1).default(0.5),
  /** Fewest events in the window for a burst. */
  minCount: z.number().int().min(1).default(5),
  /** Bursts are raised only for templates with warn-level events unless this is false. */
  burstsWarnOnly: z.boolean().default(true),
  /** Templates remembered per service; the least recently seen is forgotten beyond it. */
  maxTemplatesPerService: z.number().int().min(1).default(2000),
  /** Services tracked; the least recently seen is forgotten beyond it. */
  maxServices: z.number().int().min(1).default(10_000),
}).strict();

export type LogPatternConfig = z.infer<typeof logPatternConfigSchema>;
