import type { Clock } from '../core/clock.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import { ForesightError } from '../core/errors.ts';
import type { MetricPoint } from '../ingest/types.ts';
import { ServiceAdmission } from './admission.ts';
import { baselineFactories, detectionFactories } from './baselines.ts';
import { CalibratedForecaster, calibrated } from './calibration.ts';
import { coverageHorizon, horizonSteps, type ModelsConfig } from './config.ts';
import { CoverageStat, CoverageTracker } from './coverage.ts';
import { choose, SkillTracker } from './selection.ts';
import { SeriesHistory } from './history.ts';
import { toSeriesPoint } from './series.ts';
import { loadModel, type LoadedModel } from './tfjs/artifacts.ts';
import { loadTf, type Tf } from './tfjs/backend.ts';
import { predictBatch, TfForecaster } from './tfjs/forecaster.ts';
import { createRetrainer, type Retrainer } from './tfjs/retrain.ts';
import { createFileModelStore, type ModelStore } from './tfjs/store.ts';
import type { Forecast, Forecaster, ForecastUpdate, SeriesPoint } from './types.ts';

export interface ForecastingDeps {
  telemetry: Telemetry;
  clock: Clock;
  /** Where the TF.js model is loaded from; defaults to a directory store at tfjs.modelDir. */
  modelStore?: ModelStore;
  /** Loads TensorFlow.js (tests count the calls); defaults to loadTf. */
  loadTf?: typeof loadTf;
}

export interface Forecasting {
  start(): Promise<void>;
  stop(): Promise<void>;
  handle(points: MetricPoint[]): ForecastUpdate[];
  health(): StageHealth;
  /**
   * Looks for a newer current version in the store and loads it (directly when no model
   * is in use, on trial otherwise). The poll timer calls it; tests call it directly.
   */
  checkForModel(): Promise<void>;
  /** Starts a retrain in the worker now (the timer does it every retrain.everyMinutes). */
  retrainNow(): Promise<void>;
}

interface Member {
  forecaster: Forecaster;
  skill: SkillTracker;
  coverage: CoverageTracker;
}

interface ServiceState {
  members: Member[];
  chosen: string | undefined;
  lastWindow: number;
  /** Start of the latest window with events: who is idle when the slots are full. */
  lastActive: number;
  /** Recent points: warm-up for a newly loaded model, and the retrain worker's history. */
  history: SeriesHistory;
  published: CoverageTracker;
}

const ACTIVE = 'tfjs_mlp';
/** A new version forecasts under this name beside the current one; it is never chosen. */
const TRIAL = 'tfjs_trial';
/** Points kept per service when retraining is off: enough to warm any model window we train. */
const WARM_POINTS = 128;

type TfStatus = 'disabled' | 'loading' | 'unavailable' | 'loaded';

/**
 * The models stage: per service, a set of forecasters fed with the p95 latency of each
 * closed window, each scored online against what arrived, the best one published.
 *
 *   MetricPoint ─► p95 ─► [damped_trend, seasonal_naive, theil_sen, saturation, tfjs_mlp?, tfjs_trial?] ─► skill ─► chosen forecast
 *              └─ + load ─► [load_curve, queue_curve] ─► detection forecasts only (never chosen)
 *                                                        ▲                    ▲
 *                         model store ── poll ── load ───┴── trial, promote / roll back
 *                              ▲
 *                  retrain worker (worker_threads) ◄── history (off the hot path)
 *
 * The TF.js model is used for a service only while its live error there is the lowest;
 * a new model version runs beside the current one until it has been scored
 * `tfjs.trialScored` times and replaces it only if its error is no worse.
 */
export function createForecasting(config: ModelsConfig, deps: ForecastingDeps): Forecasting {
  const { telemetry } = deps;
  const steps = horizonSteps(config);
  const covH = coverageHorizon(config);
  const lower = config.quantiles[0] as number;
  const upper = config.quantiles[config.quantiles.length - 1] as number;
  const keep = config.tfjs.retrain.enabled ? config.tfjs.retrain.maxPointsPerService : WARM_POINTS;
  const services = new Map<string, ServiceState>();
  const coverage = new Map<string, CoverageStat>();
  const store = deps.modelStore ?? createFileModelStore(config.tfjs.modelDir);
  const req = { stepMs: config.stepMs, horizon: steps, quantiles: config.quantiles };
  /** Members that exist only for the breach detector: never candidates for the choice. */
  const detectionOnly = new Set(detectionFactories(config).map((f) => f.name));
  const detectionNames: ReadonlySet<string> = new Set(config.detectionForecasters);

  let status: TfStatus = config.tfjs.enabled ? 'loading' : 'disabled';
  let reason: string | undefined;
  let tf: Tf | undefined;
  let backend: string | undefined;
  let active: LoadedModel | undefined;
  let trial: { model: LoadedModel; baseline: { total: number; count: number } } | undefined;
  /** Versions that failed to load or lost their trial: not retried until another is current. */
  const rejected = new Set<string>();
  let checking: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retrainer: Retrainer | undefined;
  let stopped = false;
  let capFull = false;
  let updates = 0;
  const admission = new ServiceAdmission(config, {
    get size() { return services.size; },
    *lastActive() { for (const [name, s] of services) yield [name, s.lastActive]; },
  });

  // Every member's bands are calibrated online (calibration.ts); the forecasters stay raw.
  const newMember = (forecaster: Forecaster): Member => ({
    forecaster: calibrated(forecaster, config),
    skill: new SkillTracker(config.selection.horizons, config.selection.alpha),
    coverage: new CoverageTracker(covH, lower, upper),
  });

  function tfMember(model: LoadedModel, name: string, history: SeriesHistory | undefined): Member | undefined {
    if (!tf) return undefined;
    const f = new TfForecaster(tf, model, { stepMs: config.stepMs, name });
    // Warm it on recent history so it forecasts at once instead of after `window` windows.
    for (const p of history?.toArray(model.meta.window) ?? []) f.observe(p);
    return newMember(f);
  }

  function newService(): ServiceState {
    // A detection-only forecaster costs a fit per window; it runs only where it is listed.
    const detection = detectionFactories(config).filter((f) => detectionNames.has(f.name));
    const members = [...baselineFactories(config), ...detection].map((f) => newMember(f.create()));
    const s: ServiceState = { members, chosen: undefined, lastWindow: Number.NEGATIVE_INFINITY, lastActive: Number.NEGATIVE_INFINITY, history: new SeriesHistory(keep), published: new CoverageTracker(covH, lower, upper) };
    if (active) { const m = tfMember(active, ACTIVE, undefined); if (m) members.push(m); }
    if (trial) { const m = tfMember(trial.model, TRIAL, undefined); if (m) members.push(m); }
    return s;
  }

  /**
   * The state of a point's service, admitting it when it has earned a slot (admission.ts).
   * `null`: a candidate, whose update carries no forecast yet; undefined: refused at the cap.
   */
  function stateFor(point: MetricPoint): ServiceState | null | undefined {
    const known = services.get(point.service);
    if (known) return known;
    const a = admission.offer(point);
    if (a.kind === 'candidate') return null;
    if (a.kind === 'refused') {
      if (!capFull) telemetry.warn('models', 'SERVICE_CAP', { cap: config.maxServices, evictIdleWindows: config.evictIdleWindows }, 'forecasting slots full and none idle; new services wait');
      capFull = true;
      telemetry.serviceSlots(services.size, config.maxServices, admission.waiting, 'refused');
      return undefined;
    }
    capFull = false;
    if (a.evicted) {
      services.delete(a.evicted.service);
      telemetry.serviceEvicted(a.evicted.service, point.service, a.evicted.lastActive);
    }
    const s = newService();
    services.set(point.service, s);
    // Its forecasters see the history they would have seen with a slot from the start.
    for (const p of a.history) advance(s, p);
    telemetry.serviceSlots(services.size, config.maxServices, admission.waiting, 'admitted');
    return s;
  }

  function noteCoverage(name: string, inside: boolean | null): void {
    if (inside === null) return;
    let c = coverage.get(name);
    if (!c) { c = new CoverageStat(); coverage.set(name, c); }
    c.add(inside);
    const r = c.recent;
    if (r !== null) telemetry.intervalCoverage(name, r);
  }

  function step(point: MetricPoint): ForecastUpdate | undefined {
    const s = stateFor(point);
    if (s === undefined) return undefined;
    if (s === null) {
      const sp = toSeriesPoint(point);
      return { service: point.service, metric: 'latency_p95', windowStart: point.windowStart, observed: sp ? sp.value : null, forecast: null, forecaster: config.selection.preferred };
    }
    return advance(s, point);
  }

  function advance(s: ServiceState, point: MetricPoint): ForecastUpdate | undefined {
    const base = { service: point.service, metric: 'latency_p95' as const, windowStart: point.windowStart };
    // Forecasters assume time moves forward; a replayed or duplicated window is ignored.
    if (point.windowStart <= s.lastWindow) return undefined;
    s.lastWindow = point.windowStart;
    if (point.count > 0) s.lastActive = point.windowStart;
    const sp = toSeriesPoint(point);
    if (!sp) return { ...base, observed: null, forecast: null, forecaster: s.chosen ?? config.selection.preferred };
    s.history.push(sp);
    noteCoverage('published', s.published.observe(sp.t, sp.value));
    const forecasts = s.members.map((m) => {
      m.skill.observe(sp.t, sp.value);
      noteCoverage(m.forecaster.name, m.coverage.observe(sp.t, sp.value));
      m.forecaster.observe(sp);
      const f = m.forecaster.forecast(steps, config.quantiles);
      m.skill.record(f);
      m.coverage.record(f);
      return f;
    });
    const candidates = s.members
      .map((m, i) => ({ name: m.forecaster.name, available: forecasts[i] !== null, scored: m.skill.scored, error: m.skill.error }))
      .filter((c) => c.name !== TRIAL && !detectionOnly.has(c.name));
    const next = choose(candidates, s.chosen, config.selection);
    if (next !== undefined && next !== s.chosen) {
      telemetry.forecasterChosen(point.service, next, s.chosen);
      s.chosen = next;
    }
    const idx = s.members.findIndex((m) => m.forecaster.name === s.chosen);
    const forecast = idx >= 0 ? (forecasts[idx] ?? null) : null;
    s.published.record(forecast);
    if (trial) settleTrial();
    const detectionForecasts: Forecast[] = [];
    s.members.forEach((m, i) => {
      const f = forecasts[i];
      if (f && m.forecaster.name !== s.chosen && detectionNames.has(m.forecaster.name)) detectionForecasts.push(f);
    });
    const update: ForecastUpdate = { ...base, observed: sp.value, forecast, forecaster: s.chosen ?? config.selection.preferred };
    if (detectionForecasts.length > 0) update.detectionForecasts = detectionForecasts;
    return update;
  }

  /**
   * Batched TF.js predictions for the windows points[from, to) will complete, for services
   * already holding a slot (a newly admitted one predicts on its own). Forecasters of one
   * model share a predict; what advance() would skip (a repeated window, no p95) is skipped.
   */
  function prefetch(tfx: Tf, points: readonly MetricPoint[], from: number, to: number): void {
    const byModel = new Map<LoadedModel, Array<{ f: TfForecaster; next: SeriesPoint }>>();
    for (let k = from; k < to; k++) {
      const p = points[k] as MetricPoint;
      const s = services.get(p.service);
      if (!s || p.windowStart <= s.lastWindow) continue;
      const sp = toSeriesPoint(p);
      if (!sp) continue;
      for (const m of s.members) {
        const inner = m.forecaster instanceof CalibratedForecaster ? m.forecaster.inner : m.forecaster;
        if (!(inner instanceof TfForecaster) || !inner.wouldPredictAfter(sp)) continue;
        let list = byModel.get(inner.model);
        if (!list) { list = []; byModel.set(inner.model, list); }
        list.push({ f: inner, next: sp });
      }
    }
    for (const [model, items] of byModel) if (items.length > 1) predictBatch(tfx, model, items);
  }

  function dropMembers(name: string): void {
    for (const s of services.values()) s.members = s.members.filter((m) => m.forecaster.name !== name);
  }

  function trialScores(): { trial: { total: number; count: number }; active: { total: number; count: number } } {
    const t = { total: 0, count: 0 };
    const a = { total: 0, count: 0 };
    for (const s of services.values()) {
      for (const m of s.members) {
        const acc = m.forecaster.name === TRIAL ? t : m.forecaster.name === ACTIVE ? a : undefined;
        if (acc) { acc.total += m.skill.total; acc.count += m.skill.count; }
      }
    }
    return { trial: t, active: a };
  }

  /** Ends the trial once the new version has been scored enough: promote it or roll back. */
  function settleTrial(): void {
    if (!trial) return;
    const sc = trialScores();
    if (sc.trial.count < config.tfjs.trialScored) return;
    const activeCount = sc.active.count - trial.baseline.count;
    const activeErr = activeCount > 0 ? (sc.active.total - trial.baseline.total) / activeCount : Number.POSITIVE_INFINITY;
    const trialErr = sc.trial.total / sc.trial.count;
    const newer = trial.model;
    const older = active;
    const detail = { version: newer.meta.version, previous: older?.meta.version, trialError: round(trialErr), currentError: round(activeErr), scored: sc.trial.count };
    trial = undefined;
    if (trialErr <= activeErr * (1 + config.tfjs.trialTolerance)) {
      // Keep the trial members' skill (it is the new model's record) under the active name.
      for (const s of services.values()) {
        const t = s.members.find((m) => m.forecaster.name === TRIAL);
        s.members = s.members.filter((m) => m.forecaster.name !== ACTIVE && m.forecaster.name !== TRIAL);
        const m = tfMember(newer, ACTIVE, s.history);
        if (m && t) { m.skill = t.skill; m.coverage = t.coverage; }
        if (m) s.members.push(m);
      }
      active = newer;
      older?.model.dispose();
      telemetry.modelEvent('promoted', detail, 'tfjs model version promoted after its trial');
    } else {
      dropMembers(TRIAL);
      rejected.add(newer.meta.version);
      newer.model.dispose();
      telemetry.modelEvent('rolled_back', detail, 'tfjs model version did worse live than the current one; rolled back');
      if (older) restoreCurrent(newer.meta.version, older.meta.version, `trial lost: error ${round(trialErr)} vs ${round(activeErr)} of the serving version over ${sc.trial.count} forecasts`);
    }
  }

  function install(model: LoadedModel): void {
    if (!active) {
      active = model;
      for (const s of services.values()) { const m = tfMember(model, ACTIVE, s.history); if (m) s.members.push(m); }
      telemetry.modelEvent('loaded', { version: model.meta.version, backend, model: config.tfjs.modelName }, 'tfjs forecaster loaded');
      return;
    }
    if (trial) { dropMembers(TRIAL); trial.model.model.dispose(); }
    const sc = trialScores();
    trial = { model, baseline: sc.active };
    for (const s of services.values()) { const m = tfMember(model, TRIAL, s.history); if (m) s.members.push(m); }
    telemetry.modelEvent('trial', { version: model.meta.version, current: active.meta.version, trialScored: config.tfjs.trialScored }, 'new tfjs model version on trial beside the current one');
  }

  async function check(): Promise<void> {
    if (stopped || !config.tfjs.enabled) return;
    let version: string | null;
    try {
      version = await store.current(config.tfjs.modelName);
    } catch (err) {
      fail(err, undefined);
      return;
    }
    if (version === null) {
      if (!active) fail(new ForesightError('MODEL_LOAD_FAILED', `no model named "${config.tfjs.modelName}" in the store`), undefined, false);
      return;
    }
    if (version === active?.meta.version || version === trial?.model.meta.version || rejected.has(version)) return;
    // TensorFlow.js is loaded only once there is a model to run: the native binding maps
    // ~280 MB of libtensorflow into the process (resident), a daemon without a model
    // (statistical forecasters only) has no use for it.
    try {
      if (!tf) {
        const b = await (deps.loadTf ?? loadTf)({ log: telemetry.log });
        tf = b.tf;
        backend = b.backend;
      }
    } catch (err) {
      fail(err, undefined);
      return;
    }
    if (stopped) return;
    try {
      const model = await loadModel(tf, store, config.tfjs.modelName, req, version);
      if (stopped) { model.model.dispose(); return; }
      install(model);
      status = 'loaded';
      reason = undefined;
    } catch (err) {
      rejected.add(version);
      fail(err, version);
      if (active) restoreCurrent(version, active.meta.version, `failed to load: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function fail(err: unknown, version: string | undefined, event = true): void {
    const code = err instanceof ForesightError ? err.code : 'MODEL_LOAD_FAILED';
    const why = err instanceof Error ? err.message : String(err);
    if (event) telemetry.modelEvent('load_failed', { version, code, reason: why, keeping: active?.meta.version ?? null }, active ? 'new tfjs model version failed to load; keeping the current one' : 'tfjs model failed to load');
    // Said once per reason, not on every poll.
    if (!active && reason !== why) telemetry.warn('models', code, { model: config.tfjs.modelName, reason: why }, 'tfjs forecaster unavailable; using statistical forecasters only');
    if (!active) { status = 'unavailable'; reason = why; }
  }

  function checkForModel(): Promise<void> {
    // One check at a time: a slow load must not be started twice by the timer.
    checking ??= storeWrites.then(check).finally(() => { checking = undefined; });
    return checking;
  }

  /**
   * The store's CURRENT follows what this daemon serves: a version rolled back after its
   * trial, or one that cannot load, is replaced there by the version still serving (with
   * the reason recorded), so a restart loads the serving model and not the rejected one.
   */
  let storeWrites: Promise<void> = Promise.resolve();
  function restoreCurrent(rejectedVersion: string, serving: string, why: string): void {
    storeWrites = storeWrites.then(async () => {
      try {
        if (await store.rollback(config.tfjs.modelName, rejectedVersion, serving, why)) {
          telemetry.log.info({ stage: 'models', model: config.tfjs.modelName, version: serving, from: rejectedVersion, reason: why }, 'model store CURRENT rolled back to the serving version');
        }
      } catch (err) {
        telemetry.error('models', 'SINK_UNAVAILABLE', err, 'could not roll the model store CURRENT back; a restart would load the rejected version');
      }
    });
  }

  /** Mean and largest band-width factor of each forecaster over services (1 = its own bands). */
  function calibrationScales(): Record<string, { mean: number | null; max: number | null }> {
    const acc = new Map<string, { sum: number; n: number; max: number }>();
    for (const s of services.values()) {
      for (const m of s.members) {
        if (!(m.forecaster instanceof CalibratedForecaster)) continue;
        const a = acc.get(m.forecaster.name) ?? { sum: 0, n: 0, max: 0 };
        a.sum += m.forecaster.scale;
        a.n++;
        a.max = Math.max(a.max, m.forecaster.scale);
        acc.set(m.forecaster.name, a);
      }
    }
    return Object.fromEntries([...acc].map(([name, a]) => [name, { mean: round(a.sum / a.n), max: round(a.max) }]));
  }

  function history(): Map<string, SeriesPoint[]> {
    const out = new Map<string, SeriesPoint[]>();
    for (const [name, s] of services) if (s.history.size > 0) out.set(name, s.history.toArray());
    return out;
  }

  return {
    async start() {
      if (!config.tfjs.enabled) return;
      await checkForModel();
      if (config.tfjs.pollSeconds > 0) {
        timer = setInterval(() => { void checkForModel(); }, config.tfjs.pollSeconds * 1000);
        timer.unref();
      }
      if (config.tfjs.retrain.enabled) {
        retrainer = createRetrainer(config, { telemetry, history, onModel: () => { void checkForModel(); } });
        retrainer.start();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await retrainer?.stop();
      await checking;
      await storeWrites;
      dropMembers(ACTIVE);
      dropMembers(TRIAL);
      active?.model.dispose();
      trial?.model.model.dispose();
      active = undefined;
      trial = undefined;
      status = 'unavailable';
      reason = 'stopped';
    },
    handle(points) {
      const t0 = performance.now();
      const out: ForecastUpdate[] = [];
      // Runs of points with no service twice: within one, the TF.js predictions of every
      // service are made in one batch first (prefetch), then each point steps in order as
      // before, so results and their order are those of stepping alone.
      let from = 0;
      while (from < points.length) {
        const inRun = new Set<string>();
        let to = from;
        while (to < points.length && !inRun.has((points[to] as MetricPoint).service)) inRun.add((points[to++] as MetricPoint).service);
        if (tf && (active || trial)) prefetch(tf, points, from, to);
        for (let k = from; k < to; k++) {
          const u = step(points[k] as MetricPoint);
          if (u) out.push(u);
        }
        from = to;
      }
      updates += out.length;
      telemetry.stageTime('models', (performance.now() - t0) / 1000);
      return out;
    },
    health() {
      const chosen: Record<string, number> = {};
      for (const s of services.values()) if (s.chosen) chosen[s.chosen] = (chosen[s.chosen] ?? 0) + 1;
      const tfjs = status === 'loaded'
        ? { status, backend, version: active?.meta.version, createdAt: active?.meta.createdAt, trial: trial?.model.meta.version ?? null, rejected: [...rejected] }
        : status === 'unavailable' ? { status, reason } : { status };
      const cov: Record<string, { recent: number | null; overall: number | null; n: number }> = {};
      for (const [name, c] of coverage) cov[name] = { recent: round(c.recent), overall: round(c.overall), n: c.total };
      return {
        ok: !stopped,
        detail: { services: services.size, slots: { cap: config.maxServices, used: services.size, waiting: admission.waiting, evictions: admission.evictions, refusals: admission.refusals }, updates, chosen, tfjs, coverage: { horizon: covH, band: [lower, upper], nominal: round(upper - lower), byForecaster: cov, calibration: calibrationScales() }, retrain: retrainer?.status() ?? null },
      };
    },
    checkForModel,
    async retrainNow() {
      retrainer ??= createRetrainer(config, { telemetry, history, onModel: () => { void checkForModel(); } });
      await retrainer.runOnce();
    },
  };
}

function round(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? v : Number(v.toFixed(4));
}
