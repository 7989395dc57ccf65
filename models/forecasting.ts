import type { Clock } from '../core/clock.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import { ForesightError } from '../core/errors.ts';
import type { MetricPoint } from '../ingest/types.ts';
import { horizonSteps, type ModelsConfig } from './config.ts';
import { choose, SkillTracker } from './selection.ts';
import { DampedTrendForecaster } from './statistical/damped-trend.ts';
import { SeasonalNaiveForecaster } from './statistical/seasonal-naive.ts';
import { TheilSenForecaster } from './statistical/theil-sen.ts';
import { loadModel, type LoadedModel } from './tfjs/artifacts.ts';
import { loadTf, type Tf } from './tfjs/backend.ts';
import { TfForecaster } from './tfjs/forecaster.ts';
import { createFileModelStore, type ModelStore } from './tfjs/store.ts';
import type { Forecaster, ForecastUpdate } from './types.ts';

export interface ForecastingDeps {
  telemetry: Telemetry;
  clock: Clock;
  /** Where the TF.js model is loaded from; defaults to a directory store at tfjs.modelDir. */
  modelStore?: ModelStore;
}

export interface Forecasting {
  start(): Promise<void>;
  stop(): Promise<void>;
  handle(points: MetricPoint[]): ForecastUpdate[];
  health(): StageHealth;
}

interface Member {
  forecaster: Forecaster;
  skill: SkillTracker;
}

interface ServiceState {
  members: Member[];
  chosen: string | undefined;
  lastWindow: number;
}

type TfState = { status: 'disabled' } | { status: 'loading' } | { status: 'unavailable'; reason: string } | { status: 'loaded'; tf: Tf; model: LoadedModel; backend: string };

/**
 * The models stage: per service, a set of forecasters fed with the p95 latency of each
 * closed window, each scored online against what arrived, the best one published.
 *
 *   MetricPoint ─► p95 ─► [damped_trend, seasonal_naive, theil_sen, tfjs_mlp?] ─► skill ─► chosen forecast
 */
export function createForecasting(config: ModelsConfig, deps: ForecastingDeps): Forecasting {
  const { telemetry } = deps;
  const steps = horizonSteps(config);
  const services = new Map<string, ServiceState>();
  let tfState: TfState = config.tfjs.enabled ? { status: 'loading' } : { status: 'disabled' };
  let stopped = false;
  let capWarned = false;
  let updates = 0;

  function tfMember(): Member | undefined {
    if (tfState.status !== 'loaded') return undefined;
    return { forecaster: new TfForecaster(tfState.tf, tfState.model, { stepMs: config.stepMs }), skill: new SkillTracker(config.selection.horizons, config.selection.alpha) };
  }

  function newService(): ServiceState {
    const base = { stepMs: config.stepMs, minHistory: config.minHistory };
    const forecasters: Forecaster[] = [
      new DampedTrendForecaster({ ...base, ...config.dampedTrend, residualWindow: config.residualWindow }),
      new SeasonalNaiveForecaster({ ...base, residualWindow: config.residualWindow }),
      new TheilSenForecaster({ ...base, window: config.theilSen.window }),
    ];
    const members = forecasters.map((forecaster) => ({ forecaster, skill: new SkillTracker(config.selection.horizons, config.selection.alpha) }));
    const tf = tfMember();
    if (tf) members.push(tf);
    return { members, chosen: undefined, lastWindow: Number.NEGATIVE_INFINITY };
  }

  function stateFor(service: string): ServiceState | undefined {
    let s = services.get(service);
    if (!s) {
      if (services.size >= config.maxServices) {
        if (!capWarned) telemetry.warn('models', 'SERVICE_CAP', { cap: config.maxServices }, 'too many services; new ones are not forecast');
        capWarned = true;
        return undefined;
      }
      s = newService();
      services.set(service, s);
    }
    return s;
  }

  function step(point: MetricPoint): ForecastUpdate | undefined {
    const s = stateFor(point.service);
    if (!s) return undefined;
    const base = { service: point.service, metric: 'latency_p95' as const, windowStart: point.windowStart };
    // Forecasters assume time moves forward; a replayed or duplicated window is ignored.
    if (point.windowStart <= s.lastWindow) return undefined;
    s.lastWindow = point.windowStart;
    const p95 = point.latency?.p95;
    if (p95 === undefined || !Number.isFinite(p95)) {
      return { ...base, observed: null, forecast: null, forecaster: s.chosen ?? config.selection.preferred };
    }
    const sp = { t: point.windowStart, value: p95, throughput: point.count, errorRate: point.errorRate };
    const forecasts = s.members.map((m) => {
      m.skill.observe(sp.t, sp.value);
      m.forecaster.observe(sp);
      const f = m.forecaster.forecast(steps, config.quantiles);
      m.skill.record(f);
      return f;
    });
    const candidates = s.members.map((m, i) => ({ name: m.forecaster.name, available: forecasts[i] !== null, scored: m.skill.scored, error: m.skill.error }));
    const next = choose(candidates, s.chosen, config.selection);
    if (next !== undefined && next !== s.chosen) {
      telemetry.forecasterChosen(point.service, next, s.chosen);
      s.chosen = next;
    }
    const idx = s.members.findIndex((m) => m.forecaster.name === s.chosen);
    return { ...base, observed: p95, forecast: idx >= 0 ? (forecasts[idx] ?? null) : null, forecaster: s.chosen ?? config.selection.preferred };
  }

  async function loadTfModel(): Promise<void> {
    try {
      const backend = await loadTf({ log: telemetry.log });
      const store = deps.modelStore ?? createFileModelStore(config.tfjs.modelDir);
      const model = await loadModel(backend.tf, store, config.tfjs.modelName, { stepMs: config.stepMs, horizon: steps, quantiles: config.quantiles });
      if (stopped) { model.model.dispose(); return; }
      tfState = { status: 'loaded', tf: backend.tf, model, backend: backend.backend };
      // Services seen before the model loaded get it too; it warms up on new windows.
      for (const s of services.values()) {
        const m = tfMember();
        if (m) s.members.push(m);
      }
      telemetry.log.info({ backend: backend.backend, model: config.tfjs.modelName, version: model.meta.version, createdAt: model.meta.createdAt }, 'tfjs forecaster loaded');
    } catch (err) {
      const code = err instanceof ForesightError ? err.code : 'MODEL_LOAD_FAILED';
      tfState = { status: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
      telemetry.warn('models', code, { model: config.tfjs.modelName, reason: tfState.reason }, 'tfjs forecaster unavailable; using statistical forecasters only');
    }
  }

  return {
    async start() {
      if (config.tfjs.enabled) await loadTfModel();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (tfState.status === 'loaded') tfState.model.model.dispose();
      tfState = { status: 'unavailable', reason: 'stopped' };
      for (const s of services.values()) s.members = s.members.filter((m) => m.forecaster.name !== 'tfjs_mlp');
    },
    handle(points) {
      const t0 = performance.now();
      const out: ForecastUpdate[] = [];
      for (const p of points) {
        const u = step(p);
        if (u) out.push(u);
      }
      updates += out.length;
      telemetry.stageTime('models', (performance.now() - t0) / 1000);
      return out;
    },
    health() {
      const chosen: Record<string, number> = {};
      for (const s of services.values()) if (s.chosen) chosen[s.chosen] = (chosen[s.chosen] ?? 0) + 1;
      const tf = tfState.status === 'loaded'
        ? { status: 'loaded', backend: tfState.backend, version: tfState.model.meta.version, createdAt: tfState.model.meta.createdAt }
        : tfState.status === 'unavailable' ? { status: 'unavailable', reason: tfState.reason } : { status: tfState.status };
      return { ok: !stopped, detail: { services: services.size, updates, chosen, tfjs: tf } };
    },
  };
}
