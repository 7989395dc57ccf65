import type { Clock } from '../../core/clock.ts';
import { stableId } from '../../core/ids.ts';
import type { StageHealth } from '../../core/stage.ts';
import type { ForecastUpdate } from '../../models/types.ts';
import { quantileKey } from '../../models/types.ts';
import type { Detection } from '../types.ts';
import type { BreachConfig } from './config.ts';
import { combinedOutlook, firstStepAtOrAbove } from './probability.ts';

export { breachConfigSchema, type BreachConfig } from './config.ts';
export { exceedance, breachOutlook, combinedOutlook, firstStepAtOrAbove, type BreachOutlook } from './probability.ts';

export interface BreachDeps {
  clock: Clock;
  slo: (service: string) => { p95LatencyMs: number } | undefined;
  /** Stamped on detections; defaults to the version of the forecaster that predicted. */
  modelVersion?: string;
}

export interface BreachDetector {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `logs`: what the service's log templates said in the same window (see `templateSignal`). */
  handle(update: ForecastUpdate, logs?: LogSignal): Detection[];
  health(): StageHealth;
  /** A config reload: thresholds apply from the next window; per-service state is kept. */
  reconfigure(next: BreachConfig): void;
}

export interface LogSignal {
  /** Highest surge of a warn-level template of the service in the window (TemplateLedger.warnSurge). */
  warnSurge: number;
}

interface EpisodeState {
  active: boolean;
  /** Consecutive windows at or above raiseProbability while not active. */
  streak: number;
  episodeAt: number | undefined;
  /** Windows with a forecast seen so far (counts up to warmupWindows). */
  seen: number;
  /** Windows since a warn-level template last surged (templateSignal); Infinity when none has. */
  sinceSurge: number;
}

/**
 * Predicts SLO breaches of p95 latency from the published forecast's quantile paths.
 *
 * Probability: per step, P(p95 > SLO) from the quantiles (probability.ts); the episode's
 * probability is the maximum over the horizon. Hysteresis: an episode is raised after
 * `minPersistence` consecutive windows at or above `raiseProbability` and lasts until a
 * window falls below `clearProbability`; one detection per episode, its id derived from
 * the raising window, so replays give the same id.
 *
 * predictedBreachAt is the first step whose exceedance probability reaches
 * raiseProbability (with the default 0.5 that is where the median path crosses the SLO);
 * if the observed p95 is already above the SLO it is the raising window itself
 * (leadTimeMs 0, evidence.alreadyBreaching).
 *
 * Re-raise: while an episode is active, `reraiseWindows` consecutive windows at or above
 * raiseProbability emit another detection (a new id), so a breach the first action did not
 * prevent is acted on again rather than left to an episode that never clears.
 *
 * Warm-up: for a service's first `warmupWindows` forecasts, only a window whose observed
 * p95 is already above the SLO may raise; a forecast from that little history is not trusted.
 */
export function createBreachDetector(initial: BreachConfig, deps: BreachDeps): BreachDetector {
  let config = initial;
  const state = new Map<string, EpisodeState>();
  let emitted = 0;
  /** Windows judged with the lower raise threshold of templateSignal. */
  let corroboratedWindows = 0;
  let lastAt: number | undefined;

  function handle(u: ForecastUpdate, logs?: LogSignal): Detection[] {
    if (!config.enabled) return [];
    const slo = deps.slo(u.service)?.p95LatencyMs;
    // A window without a forecast says nothing either way: the episode state is kept.
    if (slo === undefined || !u.forecast) return [];
    lastAt = u.windowStart;
    let s = state.get(u.service);
    if (!s) {
      s = { active: false, streak: 0, episodeAt: undefined, seen: 0, sinceSurge: Infinity };
      state.set(u.service, s);
    }
    const { outlook, forecast: raisedBy } = combinedOutlook(u.forecast, u.detectionForecasts ?? [], slo);
    // The detection carries the published forecast: it is the accurate one, and what the
    // remediator sizes capacity from. A saturation path that reaches its cap says "the
    // queue will blow up", not how far; sizing from it over-provisions.
    const f = u.forecast;
    const warming = s.seen < config.warmupWindows;
    if (warming) s.seen++;
    const observedBreach = u.observed !== null && u.observed > slo;
    // While warming up the forecast is not trusted to raise, only to keep an episode alive.
    const p = warming && !s.active && !observedBreach ? Math.min(outlook.probability, config.clearProbability) : outlook.probability;
    const ts = config.templateSignal;
    s.sinceSurge = ts.enabled && (logs?.warnSurge ?? 0) >= ts.minSurge ? 0 : s.sinceSurge + 1;
    const corroborated = ts.enabled && s.sinceSurge < ts.windows;
    const raiseAt = corroborated ? Math.min(config.raiseProbability, ts.raiseProbability) : config.raiseProbability;
    if (corroborated) corroboratedWindows++;
    if (s.active) {
      if (p < config.clearProbability) {
        s.active = false;
        s.episodeAt = undefined;
        s.streak = 0;
        return [];
      }
      // A danger that outlives its first remedy is raised again, so the remediator can act
      // again; in between, the episode stays quiet.
      s.streak = p >= raiseAt ? s.streak + 1 : 0;
      if (config.reraiseWindows === 0 || s.streak < config.reraiseWindows) return [];
    } else {
      s.streak = p >= raiseAt ? s.streak + 1 : 0;
      if (s.streak < config.minPersistence) return [];
    }
    s.active = true;
    s.streak = 0;
    s.episodeAt = u.windowStart;
    emitted++;

    const alreadyBreaching = u.observed !== null && u.observed > slo;
    const step = firstStepAtOrAbove(outlook.perStep, raiseAt) ?? f.steps;
    const predictedBreachAt = alreadyBreaching ? u.windowStart : f.origin + step * f.stepMs;
    const upperQ = Math.max(...f.quantiles);
    return [{
      id: stableId('det', u.service, u.metric, 'predicted_breach', u.windowStart),
      service: u.service,
      metric: u.metric,
      kind: 'predicted_breach',
      at: u.windowStart,
      score: p,
      threshold: slo,
      predictedBreachAt,
      leadTimeMs: Math.max(0, predictedBreachAt - u.windowStart),
      forecast: {
        origin: f.origin,
        stepMs: f.stepMs,
        steps: f.steps,
        forecaster: f.forecaster,
        median: [...(f.paths[quantileKey(0.5)] ?? [])],
        upper: [...(f.paths[quantileKey(upperQ)] ?? [])],
      },
      evidence: {
        observed: u.observed,
        slo,
        probability: p,
        alreadyBreaching,
        breachStep: alreadyBreaching ? 0 : step,
        upperQuantile: upperQ,
        forecaster: f.forecaster,
        forecastModelVersion: f.modelVersion,
        raisedBy: raisedBy.forecaster,
        ...(ts.enabled ? { templateSignal: { warnSurge: logs?.warnSurge ?? 0, corroborated, raiseAt } } : {}),
      },
      modelVersion: deps.modelVersion ?? f.modelVersion,
    }];
  }

  let stopped = false;
  return {
    reconfigure(next) { config = next; },
    async start() { /* stateless apart from episodes; nothing to open */ },
    async stop() { stopped = true; },
    handle,
    health() {
      let active = 0;
      for (const s of state.values()) if (s.active) active++;
      return { ok: !stopped, detail: { services: state.size, activeEpisodes: active, emitted, lastAt, clock: deps.clock.now(), ...(config.templateSignal.enabled ? { corroboratedWindows } : {}) } };
    },
  };
}
