import { z } from 'zod';

/**
 * Configuration of the models stage (top-level key `models`). Defaults live here only;
 * cross-field rules (the horizon must be a whole number of steps, selection horizons must
 * fit inside it) are checked once at parse time.
 */
const quantileSchema = z.number().gt(0).lt(1);

/** Every forecaster a service can run; `detectionForecasters` must name some of these. */
export const FORECASTER_NAMES = ['damped_trend', 'seasonal_naive', 'theil_sen', 'saturation', 'load_curve', 'queue_curve', 'tfjs_mlp'] as const;

export const dampedTrendConfigSchema = z.object({
  /** Level smoothing. */
  alpha: z.number().gt(0).lt(1).default(0.3),
  /** Trend smoothing (Holt's form, 0 < beta < 1). */
  beta: z.number().gt(0).lt(1).default(0.1),
  /** Damping: 1 is an undamped (linear) trend, smaller flattens long forecasts sooner. */
  phi: z.number().gt(0).max(1).default(0.98),
}).strict();

export const retrainConfigSchema = z.object({
  /** Retrain on the daemon's own history in a worker thread; off by default (it costs a core while it runs). */
  enabled: z.boolean().default(false),
  everyMinutes: z.number().positive().default(360),
  /** p95 points (all services together) needed before the first retrain. */
  minPoints: z.number().int().positive().default(2000),
  /** History kept per service for retraining (two days of minutes by default). */
  maxPointsPerService: z.number().int().min(100).max(100_000).default(2880),
  epochs: z.number().int().positive().default(150),
}).strict();

export const tfjsConfigSchema = z.object({
  enabled: z.boolean().default(true),
  modelDir: z.string().min(1).default('var/models'),
  /** Name under which the model is saved in and loaded from the model store. */
  modelName: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('latency-p95'),
  /** How often the store's current version is checked for a newer model; 0 = only at start. */
  pollSeconds: z.number().min(0).default(30),
  /**
   * Scored forecasts (all services, every tracked horizon) a new version must collect on
   * trial, side by side with the current one, before it replaces it.
   */
  trialScored: z.number().int().min(1).default(200),
  /** The new version is kept if its mean live error is at most this fraction above the current one's. */
  trialTolerance: z.number().min(0).max(1).default(0),
  retrain: retrainConfigSchema.prefault({}),
}).strict();

export const selectionConfigSchema = z.object({
  /** Forecast steps at which each forecaster's error is tracked against what arrived. */
  horizons: z.array(z.number().int().positive()).min(1).default([5, 15]),
  /** Weight of the newest error in the exponentially weighted mean. */
  alpha: z.number().gt(0).max(1).default(0.1),
  /** A challenger must beat the current choice by this fraction to replace it (no flapping). */
  margin: z.number().min(0).lt(1).default(0.05),
  /** Scored forecasts a forecaster needs before it may be chosen. */
  minScored: z.number().int().min(1).default(5),
  /** Chosen until the others have been scored. */
  preferred: z.string().default('damped_trend'),
  /**
   * Horizon (steps) at which interval coverage (share of observations inside the outer
   * quantiles) is measured; unset: 15, or the whole horizon when that is shorter.
   */
  coverageHorizon: z.number().int().positive().optional(),
}).strict();

export const modelsConfigSchema = z.object({
  /**
   * How far ahead every forecaster looks, and so how early a breach can be predicted. 40, not
   * 30: a prediction is known about 4 minutes after its window starts (window, allowed
   * lateness, persistence), and trend forecasts cross the SLO late on a blow-up that is
   * convex in time, so a 30-minute horizon gave a median lead of 9 minutes on the leadtime
   * suite and 40 gave 15–18 (docs/leadtime.md, "The horizon").
   */
  horizonMinutes: z.number().int().min(5).default(40),
  /** One forecast step; equal to the aggregation window. */
  stepMs: z.number().int().positive().default(60_000),
  quantiles: z.array(quantileSchema).min(2).default([0.1, 0.5, 0.9]),
  /** Points a forecaster must have seen before it forecasts. */
  minHistory: z.number().int().min(3).default(10),
  /** Residuals kept per forecaster for its intervals. */
  residualWindow: z.number().int().min(10).max(10_000).default(240),
  /** Services with forecasting state; each costs ~30 KB (a day of seasonal slots). */
  maxServices: z.number().int().positive().default(1000),
  /**
   * Windows with events a service must show before it gets one of the maxServices slots,
   * so one-line junk names cannot take them (models/admission.ts). Its points meanwhile are
   * kept and replayed on admission; at most minHistory, so no forecast is lost.
   */
  minWindowsForSlot: z.number().int().min(1).default(3),
  /** When the slots are full, a service without events for this many windows gives its slot up. */
  evictIdleWindows: z.number().int().min(1).default(60),
  dampedTrend: dampedTrendConfigSchema.prefault({}),
  theilSen: z.object({ window: z.number().int().min(5).max(200).default(20) }).strict().prefault({}),
  /** The saturation-aware trend (a line through 1/p95): points it is fitted on. */
  saturation: z.object({
    window: z.number().int().min(5).max(200).default(30),
    /**
     * A level shift of this many noise sigmas (a step, not a ramp) splits the line: the
     * slope comes from pairs on one side of it, the level from after it. 0: off.
     */
    levelShiftSigmas: z.number().min(0).default(6),
    /** Standard errors the slope must be from 0 before it is extrapolated (see DEFAULT_MIN_SLOPE_T); 0: no gate. */
    minSlopeT: z.number().min(0).default(5),
  }).strict().prefault({}),
  /**
   * The load-driven forecaster (statistical/load-curve.ts): p95 from the throughput's trend
   * mapped through a fitted load→latency curve. It runs for breach detection only: never
   * chosen, never published, not in the forecast evaluation.
   */
  loadCurve: z.object({
    /** Points the load→latency curve is fitted on (two hours: quiet and busy load both in it). */
    curveWindow: z.number().int().min(30).max(500).default(120),
    /** Points the throughput trend is fitted on: the current ramp. */
    trendWindow: z.number().int().min(5).max(200).default(20),
    /** Standard errors the throughput slope must be above 0 (see DEFAULT_MIN_SLOPE_T for why high). */
    minTrendT: z.number().min(0).default(5),
    /** Standard errors the curve's slope (1/p95 per request) must be below 0. */
    minCurveT: z.number().min(0).default(3),
  }).strict().prefault({}),
  /**
   * The queueing-curve forecaster (statistical/queue-curve.ts): p95 from the throughput's
   * trend mapped through an M/M/c-shaped load→latency curve whose capacity (the knee) and
   * shape are fitted to the service's own (throughput, p95) pairs. Detection only, like
   * load_curve.
   */
  queueCurve: z.object({
    /** Points the curve is fitted on (two hours: quiet and busy load both in it). */
    curveWindow: z.number().int().min(30).max(500).default(120),
    /** Points the throughput trend is fitted on: the current ramp. */
    trendWindow: z.number().int().min(5).max(200).default(20),
    /** Standard errors the throughput slope must be above 0. */
    minTrendT: z.number().min(0).default(5),
    /** Standard errors the queueing term's weight must be above 0. */
    minCurveT: z.number().min(0).default(3),
    /** Steps the load's trend is extrapolated before it is held (a daily rise flattens at its peak). */
    loadHorizon: z.number().int().min(1).default(30),
    /**
     * Curves within this many residual variances of the best fit's error are plausible, and
     * the forecast follows the most optimistic of them (6: the 95 % χ² quantile for the two
     * fitted shape parameters, capacity and servers). 0: the best fit alone.
     */
    plausibleChi2: z.number().min(0).default(6),
  }).strict().prefault({}),
  /**
   * Forecasters whose forecasts go to the breach detector beside the chosen one, whatever
   * their recent error. The choice minimises median error, which flat stretches dominate;
   * a breach needs the forecaster that sees a blow-up coming (see docs/forecasting.md).
   * `load_curve` is opt-in: it sees a load-driven blow-up minutes earlier (leadtime suite:
   * p10 lead 4.3→7.6 and 4.1→6.0 on two seeds), but on the held-out scenario set it raised
   * 4 false alarms on a busy day, extrapolating the morning's load rise past the daily peak
   * (0.087 → 0.436 per service-day; docs/leadtime.md). `queue_curve` is on: cross-validated
   * on the leadtime suite (--folds 5 --seeds 3) recall, lead and false alarms unchanged
   * (0.967 / 19.3 / 6.2 / 0.057), median seed's p10 7.2 → 8.1; held-out worst seed's p10
   * 2.8 → 5.4 with the same 0.174 false alarms per service-day.
   */
  detectionForecasters: z.array(z.enum(FORECASTER_NAMES)).default(['saturation', 'queue_curve']),
  /**
   * Online calibration of every forecaster's p10–p90 band (models/calibration.ts): its width
   * follows the misses at the coverage horizon so that it covers the nominal share. The
   * median is never changed.
   */
  calibration: z.object({
    /** Step of the width update per scored band; 0 turns calibration off. */
    rate: z.number().min(0).max(1).default(0.05),
    minScale: z.number().gt(0).max(1).default(1),
    maxScale: z.number().min(1).default(5),
  }).strict().prefault({}),
  selection: selectionConfigSchema.prefault({}),
  tfjs: tfjsConfigSchema.prefault({}),
}).strict().superRefine((c, ctx) => {
  const horizonMs = c.horizonMinutes * 60_000;
  if (horizonMs % c.stepMs !== 0) {
    ctx.addIssue({ code: 'custom', path: ['stepMs'], message: `horizonMinutes (${c.horizonMinutes}) must be a whole number of steps of ${c.stepMs} ms` });
  }
  const steps = Math.floor(horizonMs / c.stepMs);
  if (c.selection.coverageHorizon !== undefined && c.selection.coverageHorizon > steps) ctx.addIssue({ code: 'custom', path: ['selection', 'coverageHorizon'], message: `coverage horizon ${c.selection.coverageHorizon} is beyond the forecast horizon of ${steps} steps` });
  for (const h of c.selection.horizons) {
    if (h > steps) ctx.addIssue({ code: 'custom', path: ['selection', 'horizons'], message: `horizon ${h} is beyond the forecast horizon of ${steps} steps` });
  }
  if (c.minWindowsForSlot > c.minHistory) ctx.addIssue({ code: 'custom', path: ['minWindowsForSlot'], message: `must not exceed minHistory (${c.minHistory}): a candidate's early updates carry no forecast` });
  if (c.queueCurve.trendWindow > c.queueCurve.curveWindow) ctx.addIssue({ code: 'custom', path: ['queueCurve', 'trendWindow'], message: `trendWindow (${c.queueCurve.trendWindow}) must not exceed curveWindow (${c.queueCurve.curveWindow})` });
  if (c.loadCurve.trendWindow > c.loadCurve.curveWindow) ctx.addIssue({ code: 'custom', path: ['loadCurve', 'trendWindow'], message: `trendWindow (${c.loadCurve.trendWindow}) must not exceed curveWindow (${c.loadCurve.curveWindow})` });
  if (!c.quantiles.includes(0.5)) ctx.addIssue({ code: 'custom', path: ['quantiles'], message: 'quantiles must include 0.5 (the median path)' });
  for (let i = 1; i < c.quantiles.length; i++) {
    if ((c.quantiles[i] ?? 0) <= (c.quantiles[i - 1] ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['quantiles'], message: 'quantiles must be strictly increasing' });
      break;
    }
  }
});

export type ModelsConfig = z.infer<typeof modelsConfigSchema>;

export function coverageHorizon(c: Pick<ModelsConfig, 'horizonMinutes' | 'stepMs' | 'selection'>): number {
  return c.selection.coverageHorizon ?? Math.min(15, horizonSteps(c));
}

/** Forecast steps in the horizon. */
export function horizonSteps(c: Pick<ModelsConfig, 'horizonMinutes' | 'stepMs'>): number {
  return Math.floor((c.horizonMinutes * 60_000) / c.stepMs);
}
