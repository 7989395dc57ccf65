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
  /**
   * Forecast windows a service must have had before a forecast alone may raise. A trend
   * fitted to the first few minutes extrapolates noise (a 30-minute forecast from 10 points
   * is mostly slope error), and the online skill scores that would expose it need a horizon
   * of history themselves. Until then only an observed breach raises (lead time 0).
   */
  warmupWindows: z.number().int().min(0).default(30),
  /**
   * While an episode is active, raise again after this many consecutive windows at or above
   * raiseProbability (0: never). Ten one-minute windows is the remediator's default cooldown:
   * sooner would only be suppressed.
   */
  reraiseWindows: z.number().int().min(0).default(10),
  /**
   * Log template counts as an input: while a warn-level template of the service (GC pauses,
   * pool exhausted, retries, timeouts) has surged above its own history — `surge` ≥
   * `minSurge` within the last `windows` windows (surge: (count − expected)/√(expected+1),
   * expected from the template's running share of the service's lines) — a breach is raised
   * at `raiseProbability` (lower than the default one) instead: the logs corroborate a
   * forecast that is still unsure. Off by default: the README gives the lead and false alarms
   * it was measured to add.
   */
  templateSignal: z.object({
    enabled: z.boolean().default(false),
    minSurge: z.number().positive().default(3),
    windows: z.number().int().min(1).default(5),
    raiseProbability: z.number().gt(0).lt(1).default(0.3),
  }).strict().prefault({}),
}).strict().refine((c) => c.clearProbability < c.raiseProbability, {
  path: ['clearProbability'],
  message: 'clearProbability must be below raiseProbability, or an episode could end and restart in one window',
}).refine((c) => !c.templateSignal.enabled || c.clearProbability < c.templateSignal.raiseProbability, {
  path: ['templateSignal', 'raiseProbability'],
  message: 'templateSignal.raiseProbability must be above clearProbability, or an episode could end and restart in one window',
});

export type BreachConfig = z.infer<typeof breachConfigSchema>;
