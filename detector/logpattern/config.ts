import { z } from 'zod';

/** Detections from what the logs say (key `detector.logPattern`). */
export const logPatternConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Raise on a template at warn level or above that the service never logged before. */
  newTemplates: z.boolean().default(true),
  /**
   * Windows from a template's first sight over which its warn lines are weighed as new: a
   * one-off line of a rare template (a routine error logged once an hour) is not news, the
   * same line recurring within these windows is.
   */
  newTemplateWindows: z.number().int().min(1).default(15),
  /**
   * Novelty score (-log10 of the Poisson tail probability of the template's warn lines at
   * the highest rate it could have had and gone unseen, / 10, clipped to 1) to raise at:
   * 0.3 = p ≤ 0.001 (a service has tens of rare templates; at 0.2 one of orders' routine
   * deadlock lines, 3 in 5 windows, was raised in the memory-leak example).
   */
  newTemplateThreshold: z.number().gt(0).lte(1).default(0.3),
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
