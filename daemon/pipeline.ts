/**
 * The pipeline: one direction, no back edges.
 *
 *   source ──► ingest (clean → template → window) ──► models (forecasts)
 *                 │                                      │
 *                 └──► dead letters                      ▼
 *                           detector (breach, anomaly) ──► remediator ──► stores, actuators
 *
 * A batch is acknowledged to its source only after its dead letters, detections and
 * actions are durable, so a crash replays it rather than losing it; stores and action ids
 * are idempotent, so the replay does not double anything. Open windows live only in
 * memory, so "durable" also means "every window the batch's events fell into has closed":
 * acknowledgements are held back, in order, until the ingest watermark has passed them
 * (see `settle`). A restart then re-reads every event of every window that was open.
 *
 * Warm start: a source may first re-deliver history from before its committed offsets
 * (`isWarmup`), so forecasters, detectors and the remediator rebuild their state. Windows
 * that history closes were fully handled by an earlier run: they feed the stages, but
 * nothing is written (metrics, detections, dead letters) and the remediator acts on none
 * of them again (see remediator `warmup`).
 *
 * Two stages (`streams`, docs/streaming.md): one consumer reads the source topics and the
 * partials topic in one group. A source batch goes through stage one (clean, template,
 * windows per source partition) and leaves as partials of every window it touched plus
 * watermark records; a partials batch goes through stage two (latest partial per source
 * partition, merged once every source partition's watermark has passed the window) into the
 * models → detectors → remediator stack of its partials partition. Each partials partition
 * held has its own stack (own event-time clock, own state), built on its first window (its
 * remediator adopting the recorded actions of that partition's services) and dropped when
 * the partition goes. Acknowledgements are held back per partition: a source batch until its
 * partition's windows closed (their final partials published), a partials batch until the
 * windows it fed closed and their effects are durable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.ts';
import { ManualClock } from '../core/clock.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { DeadLetterSink, LogEvent, LogSource, MetricPoint, RawInput, TemplateMerge } from '../ingest/types.ts';
import type { SourcedPartial } from '../ingest/index.ts';
import { createIngest } from '../ingest/index.ts';
import { createForecasting } from '../models/index.ts';
import type { ModelStore } from '../models/tfjs/store.ts';
import { createBreachDetector } from '../detector/breach/index.ts';
import { createAnomalyStage } from '../detector/anomaly/stage.ts';
import { createLogPatternStage } from '../detector/logpattern/stage.ts';
import { TemplateLedger, type KnownTemplate } from '../detector/logpattern/ledger.ts';
import type { TemplateStore } from '../ingest/templates/store.ts';
import type { Detection } from '../detector/types.ts';
import { ForesightError } from '../core/errors.ts';
import { createRemediator, type ApprovalDecision } from '../remediator/index.ts';
import type { ActionClaimant, ActionRecord, Actuator, MetricRecord, RecordStore } from '../remediator/types.ts';
import type { Forecast, ForecastUpdate } from '../models/types.ts';
import { Ring, SeriesStore, type SeriesOptions } from '../dashboards/series.ts';
import type { DeadLetter } from '../ingest/types.ts';
import type { Notifier } from '../remediator/alerts/index.ts';
import type { Config } from './config.ts';
import { policyResolver } from './services.ts';
import { partitionKey, type PartitionState } from '../ingest/window/watermark.ts';
import { windowOptionsOf } from '../ingest/index.ts';
import { WindowAggregator } from '../ingest/window/aggregator.ts';
import { decodeRecord, shardOf } from '../ingest/partials/records.ts';
import { TemplateAliases } from '../ingest/partials/aliases.ts';
import type { StreamsSetup } from '../ingest/partials/setup.ts';
import type { SourceMark } from '../ingest/partials/publisher.ts';
import { splitPartitionKey } from '../ingest/sources/kafka/partitions.ts';

export interface DaemonInfo {
  instance: string;
  version: string;
  configHash: string;
}

export interface PipelineDeps {
  config: Config;
  telemetry: Telemetry;
  source: LogSource;
  deadLetters: DeadLetterSink;
  store: RecordStore;
  actuators: Actuator[];
  daemon: DaemonInfo;
  /** Replays tag their records, write to the replay stores, and force dry-run unless `liveActuators`. */
  replay: boolean;
  /** `replay --live`: the configured mode (live actuators) applies, records are still replay records. */
  liveActuators?: boolean;
  /** Replay pacing: event-time seconds per wall second; 'max' (default) does not wait. */
  speed?: number | 'max';
  modelStore?: ModelStore;
  /** Miner state: restored at start, saved when windows close (at most every 10 s) and at stop. */
  templateStore?: TemplateStore;
  /** Bounds of the status page's chart buffers. */
  series?: Partial<SeriesOptions>;
  /**
   * Keep every detection and action record in `detections` / `actions` (replays and
   * evaluations: finite input, and their reports need them all). Defaults to `replay`. A
   * running daemon keeps only the last RECENT of each for /api/status and counts the rest,
   * so its memory does not grow with uptime (issue #9 item 6).
   */
  keepRecords?: boolean;
  /** Two stages over the partials topic (Kafka source); absent: everything in this process. */
  streams?: Pick<StreamsSetup, 'topic' | 'partitions' | 'sources' | 'logEnds'> & { publisher: { publish(partials: SourcedPartial[], marks: SourceMark[], merges?: TemplateMerge[], source?: string): Promise<void>; forget(source: string): void } };
  /** Alerts for people (durable outbox); none in replays and evaluations. */
  notifier?: Notifier;
}

/** A source that can re-deliver already-handled history ahead of new input (Kafka warm start). */
interface WarmStartSource {
  isWarmup(batch: readonly RawInput[]): boolean;
}

function warmupOf(source: LogSource): ((batch: readonly RawInput[]) => boolean) | undefined {
  const s = source as LogSource & Partial<WarmStartSource>;
  return typeof s.isWarmup === 'function' ? s.isWarmup.bind(s) : undefined;
}

export interface ServiceStatus {
  service: string;
  windowStart: number;
  count: number;
  p95: number | null;
  errorRate: number;
  sloP95Ms: number | undefined;
  forecaster: string | undefined;
  /**
   * The service's templates: its latest window's (most lines first, `count` and `warn` in
   * that window), then older ones by when they were last seen; with first and last seen
   * (window starts) and lines since start.
   */
  templates: KnownTemplate[];
}

export interface PipelineStatus {
  mode: string;
  source: string;
  lines: number;
  /** Lines re-read to warm the models up at start (already handled by an earlier run). */
  warmupLines: number;
  windows: number;
  detections: number;
  actions: number;
  deadLetters: number;
  deadLettersByReason: Record<string, number>;
  services: number;
  watermark: number;
  serviceList: ServiceStatus[];
  recentDetections: Detection[];
  recentActions: ActionRecord[];
  /** Newest first; the raw input is left out (it can be large, and it is in the dead-letter sink). */
  recentDeadLetters: Array<Omit<DeadLetter, 'raw'>>;
  /**
   * Each stage's own health: ingest (watermark, open windows), models (forecaster chosen per
   * service, TF.js status, interval coverage and calibration), the two detectors, the
   * remediator (pending verifications, store errors).
   */
  stages: Record<'ingest' | 'models' | 'breach' | 'anomaly' | 'logPattern' | 'remediator', StageHealth> & { alerts?: StageHealth };
  /** Two stages only: the partials partitions held (whose services this instance owns), and counts. */
  streams?: {
    partialsTopic: string;
    partialsPartitions: string[];
    records: number;
    warmupRecords: number;
    undecodable: number;
    stale: number;
    tooLate: number;
    /** Idle source partitions found with unread records when a window would have closed past them (held back instead). */
    idleWoken: number;
    stacksBuilt: number;
    stacksDropped: number;
  };
}

/** Health of one stage over the stacks of the partials partitions held (one stack: as is). */
function combined(hs: StageHealth[]): StageHealth {
  if (hs.length === 1) return hs[0]!;
  return { ok: hs.every((h) => h.ok), detail: { stacks: hs.length, each: hs.map((h) => h.detail ?? {}) } };
}

const RECENT = 50;
/** Action ids remembered for the distinct-action count (an action is re-recorded within minutes as its status moves). */
const ACTION_IDS_KEPT = 10_000;
/** Templates per service in /api/status. */
const STATUS_TEMPLATES = 10;
/** Wall time between template snapshots on window close: a replay at full speed closes thousands a second. */
const TEMPLATE_SAVE_MS = 10_000;

/** A forecast's quantiles at its last step (its horizon). */
export function atHorizon(f: Forecast): NonNullable<MetricRecord['forecast']> | undefined {
  const last = (q: string): number | undefined => f.paths[q]?.at(-1);
  const p50 = last('p50');
  if (p50 === undefined) return undefined;
  const out: NonNullable<MetricRecord['forecast']> = { horizonMs: f.steps * f.stepMs, p50 };
  const p10 = last('p10');
  const p90 = last('p90');
  if (p10 !== undefined) out.p10 = p10;
  if (p90 !== undefined) out.p90 = p90;
  return out;
}

export interface Pipeline {
  /** Consumes the source until it ends or `signal` aborts, then flushes open windows. */
  run(signal: AbortSignal): Promise<void>;
  status(): PipelineStatus;
  /** A person's decision on a pending action (HTTP API, CLI, status page). */
  decide(actionId: string, decision: ApprovalDecision, by: string, comment?: string): Promise<ActionRecord>;
  /** Actions waiting for a person, oldest first. */
  pendingApprovals(): ActionRecord[];
  /** Every detection and action record produced, in order (for replay reports); empty unless `keepRecords`. */
  readonly detections: Detection[];
  readonly actions: ActionRecord[];
  readonly clock: Clock;
  /** Chart data for the status page (bounded ring buffers). */
  readonly series: SeriesStore;
  /**
   * A config reload (daemon/reload.ts decides what may change): policies, SLOs,
   * thresholds, guardrails, mode and actuators swap together at the next batch boundary,
   * so no window is judged half by the old config and half by the new. Resolves once applied.
   */
  reconfigure(next: Config, actuators: Actuator[], configHash: string): Promise<void>;
}

/** What runs after the windows for one set of services: models, detectors, remediator, on one event-time clock. */
interface Stack {
  clock: ManualClock;
  forecasting: ReturnType<typeof createForecasting>;
  breach: ReturnType<typeof createBreachDetector>;
  anomaly: ReturnType<typeof createAnomalyStage>;
  logPattern: ReturnType<typeof createLogPatternStage>;
  remediator: ReturnType<typeof createRemediator>;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { telemetry } = deps;
  const streams = deps.streams;
  let config = deps.config;
  let policyNow = policyResolver(config);
  const policyFor = (service: string): ReturnType<typeof policyNow> => policyNow(service);
  const lp = config.detector.logPattern;
  // Per service, so one ledger serves every stack (a service lives in one stack).
  const ledger = new TemplateLedger({ maxServices: lp.maxServices, maxTemplatesPerService: lp.maxTemplatesPerService, alpha: lp.alpha, warmupWindows: lp.warmupWindows });
  const modeOf = (c: Config): Config['remediator']['mode'] => (deps.replay && !deps.liveActuators && c.remediator.mode === 'live' ? 'dry_run' : c.remediator.mode);
  let mode = modeOf(config);
  let actuators = deps.actuators;
  function makeStack(store: RecordStore): Stack {
    // Event time drives everything downstream of the windows: guardrails, cooldowns and
    // verification behave the same whether a day is replayed in seconds or lived in real time.
    const clock = new ManualClock(0);
    return {
      clock,
      forecasting: createForecasting(config.models, { telemetry, clock, modelStore: deps.modelStore }),
      breach: createBreachDetector(config.detector.breach, {
        clock,
        slo: (service) => { const p = policyFor(service); return p ? { p95LatencyMs: p.sloP95Ms } : undefined; },
      }),
      anomaly: createAnomalyStage(config.detector.anomaly, { clock }),
      logPattern: createLogPatternStage(config.detector.logPattern),
      remediator: createRemediator({ ...config.remediator, mode }, {
        clock, telemetry, actuators, store, policyFor, daemon: deps.daemon, replay: deps.replay,
      }),
    };
  }
  const startStack = (s: Stack): Promise<unknown> => Promise.all([s.forecasting.start(), s.remediator.start()]);
  const stopStack = (s: Stack): Promise<unknown> => Promise.all([s.forecasting.stop(), s.remediator.stop()]);
  /** One process: one stack for every service. Two stages: one per partials partition held. */
  const main = streams ? undefined : makeStack(deps.store);
  const stacks = new Map<string, Stack>();
  const allStacks = (): Stack[] => (main ? [main] : [...stacks.values()]);
  const clock = main?.clock ?? new ManualClock(0);
  const ingest = createIngest(config.ingest, { telemetry, clock, deadLetters: deps.deadLetters, partials: streams !== undefined });
  /** Stage two: one merger per partials partition held, closing windows on every source partition's watermark records. */
  const mergers = new Map<string, WindowAggregator>();
  /** Stage two: template ids stage one's miners folded (merge records), read as their survivors. */
  const aliases = new TemplateAliases();
  const partialsStats = { records: 0, warmupRecords: 0, undecodable: 0, stale: 0, tooLate: 0, idleWoken: 0, stacksBuilt: 0, stacksDropped: 0 };

  function mergerFor(key: string): WindowAggregator {
    let m = mergers.get(key);
    if (!m) {
      m = new WindowAggregator(windowOptionsOf(config.ingest));
      // Every source partition holds the windows back until its first watermark record.
      m.assign(streams!.sources.map((k) => ({ key: k, idle: false })));
      mergers.set(key, m);
    }
    return m;
  }

  /** The stack of a partials partition, built (and started, adopting its services' recorded actions) on its first window. */
  async function stackFor(key: string): Promise<Stack> {
    let s = stacks.get(key);
    if (s) return s;
    const shard = splitPartitionKey(key).partition;
    const n = streams!.partitions;
    const shared = deps.store;
    const store: RecordStore = {
      putActions: (r) => shared.putActions(r),
      putDetections: (r) => shared.putDetections(r),
      flush: () => shared.flush(),
      // Shared by every stack: closed by the daemon, not by a stack that goes.
      close: async () => undefined,
      ...(shared.putMetrics ? { putMetrics: (p: MetricRecord[]) => shared.putMetrics!(p) } : {}),
      // Its remediator adopts only what was recorded for its own services.
      ...(shared.readActions ? { readActions: async () => (await shared.readActions!()).filter((r) => shardOf(r.service, n) === shard) } : {}),
      // Claims are what keeps a stack kept through a rejoin, or still finishing a chunk of the
      // assignment before, from carrying out what the partition's new owner already did.
      ...(shared.claimAction ? { claimAction: (id: string, by: ActionClaimant) => shared.claimAction!(id, by) } : {}),
    };
    s = makeStack(store);
    stacks.set(key, s);
    partialsStats.stacksBuilt++;
    await startStack(s);
    return s;
  }

  const detections: Detection[] = [];
  const actions: ActionRecord[] = [];
  const services = new Map<string, ServiceStatus>();
  const deadLettersByReason: Record<string, number> = {};
  const series = new SeriesStore({ windows: config.http.chartWindows, maxServices: config.http.chartMaxServices, ...deps.series });
  const recentDeadLetters = new Ring<Omit<DeadLetter, 'raw'>>(RECENT);
  const keepRecords = deps.keepRecords ?? deps.replay;
  const recentDetections = new Ring<Detection>(RECENT);
  const recentActions = new Ring<ActionRecord>(RECENT);
  let detectionCount = 0;
  // Distinct action ids: the ids seen last are remembered (insertion order = age), so the
  // count stays exact for re-records and the memory bounded.
  const actionIds = new Map<string, true>();
  let actionCount = 0;
  let lines = 0;
  let warmupLines = 0;
  const isWarmup = warmupOf(deps.source);
  let windows = 0;
  let deadLetterCount = 0;

  // Latest window per service for /api/status, least recently updated first (Map order), at
  // most http.statusMaxServices: past it the least recently updated is evicted and counted.
  function noteWindow(p: MetricPoint, forecaster: string | undefined): void {
    const previous = services.get(p.service);
    if (previous) services.delete(p.service);
    services.set(p.service, {
      service: p.service, windowStart: p.windowStart, count: p.count, p95: p.latency?.p95 ?? null,
      errorRate: p.errorRate, sloP95Ms: policyFor(p.service)?.sloP95Ms, forecaster: forecaster ?? previous?.forecaster,
      templates: ledger.list(p.service, STATUS_TEMPLATES),
    });
    for (const oldest of services.keys()) {
      if (services.size <= config.http.statusMaxServices) break;
      services.delete(oldest);
      telemetry.statusServiceEvicted();
    }
  }

  function noteRecords(found: readonly Detection[], records: readonly ActionRecord[]): void {
    detectionCount += found.length;
    for (const d of found) recentDetections.push(d);
    for (const a of records) {
      recentActions.push(a);
      if (actionIds.has(a.actionId)) continue;
      actionCount++;
      actionIds.set(a.actionId, true);
      if (actionIds.size > ACTION_IDS_KEPT) for (const id of actionIds.keys()) { actionIds.delete(id); break; }
    }
    if (!keepRecords) return;
    detections.push(...found);
    actions.push(...records);
  }

  function metricRecords(points: MetricPoint[], forecasts: ForecastUpdate[], firstSeen: Map<string, Map<string, number>>): MetricRecord[] {
    const by = new Map(forecasts.map((u) => [u.service, u]));
    return points.map((p) => {
      const r: MetricRecord = { ...p };
      const seen = firstSeen.get(p.service);
      if (p.templates && seen) r.templates = p.templates.map((t) => ({ ...t, firstSeen: seen.get(t.id) ?? p.windowStart }));
      const slo = policyFor(p.service)?.sloP95Ms;
      if (slo !== undefined) r.sloP95Ms = slo;
      const u = by.get(p.service);
      if (u) {
        r.forecaster = u.forecaster;
        const h = u.forecast ? atHorizon(u.forecast) : undefined;
        if (h) r.forecast = h;
      }
      return r;
    });
  }

  /**
   * One window end at a time: forecasts, detections and remediation decisions (its
   * verification clock above all) then depend only on the sequence of closed windows, not
   * on how the input happened to be batched, so a Kafka stream (whose batches follow fetch
   * boundaries) and a replay of the same lines record the same ids and states.
   */
  async function processPoints(stack: Stack, points: MetricPoint[], warmup = false): Promise<void> {
    let from = 0;
    for (let i = 1; i <= points.length; i++) {
      if (i === points.length || points[i]!.windowStart !== points[from]!.windowStart) {
        await processWindow(stack, points.slice(from, i), warmup);
        from = i;
      }
    }
  }

  async function processWindow(stack: Stack, points: MetricPoint[], warmup: boolean): Promise<void> {
    if (points.length === 0) return;
    const { forecasting, breach, anomaly, logPattern, remediator } = stack;
    for (const p of points) stack.clock.advanceTo(p.windowStart + p.windowMs);
    if (stack.clock !== clock) clock.advanceTo(stack.clock.now());
    const found: Detection[] = [];
    const forecasterBy = new Map<string, string>();
    // Forecasting is pure (no writes), so the metric records can carry the forecast made at
    // their window's end and still be written before the detections they lead to.
    const forecasts = forecasting.handle(points);
    const firstSeen = new Map(points.map((p) => [p.service, ledger.observe(p)]));
    if (!warmup) {
      windows += points.length;
      const records = metricRecords(points, forecasts, firstSeen);
      await deps.store.putMetrics?.(records);
      const published = new Map(forecasts.map((u) => [u.service, u.forecast]));
      for (const r of records) series.addWindow(r, published.get(r.service) ?? null);
    }
    for (const update of forecasts) {
      forecasterBy.set(update.service, update.forecaster);
      found.push(...breach.handle(update, { warnSurge: ledger.warnSurge(update.service) }));
    }
    found.push(...anomaly.handle(points));
    found.push(...logPattern.handle(points));
    for (const d of found) withTemplateEvidence(d);
    for (const p of points) noteWindow(p, forecasterBy.get(p.service));
    if (deps.replay) for (const d of found) d.replay = true;
    const records = await remediator.handle({ detections: found, points, forecasts, warmup });
    if (warmup) return;
    for (const d of found) { telemetry.detected(d.kind, d.service); series.addDetection(d); }
    for (const a of records) series.addAction(a);
    await deps.notifier?.handle({ detections: found, records, now: stack.clock.now() });
    noteRecords(found, records);
    await saveTemplates(false);
  }

  /**
   * A latency detection carries what the service's logs said in the same window: the
   * templates that surged above their own history, then its most frequent ones; their ids
   * go on into the reason of the actions it causes. A log_pattern detection names its own.
   */
  function withTemplateEvidence(d: Detection): void {
    if (d.kind === 'log_pattern') {
      const id = d.evidence.templateId;
      if (typeof id === 'string') d.evidence.templateIds = [id];
      return;
    }
    const ev = ledger.evidence(d.service);
    if (ev.length === 0) return;
    d.evidence.templates = ev;
    d.evidence.templateIds = ev.map((t) => t.id);
  }

  /**
   * Clusters the miner merged: the ledger and the log_pattern stage fold each folded id's
   * history into the survivor's before the windows that follow (which already carry the
   * survivors' ids), and the status page's template lists holding one are redone. One process:
   * the batch's merges. Two stages: stage one publishes its merges as records to every partials
   * partition, ahead of the partials that carry the survivors' ids, and stage two folds at each
   * (instances that have not merged yet send the folded ids: `aliases` reads them as the survivor).
   */
  function foldTemplates(stack: Stack, merges: TemplateMerge[]): void {
    if (merges.length === 0) return;
    ledger.fold(merges);
    stack.logPattern.fold(merges);
    const folded = new Set(merges.flatMap((m) => m.ids));
    for (const [name, st] of services) if (st.templates.some((t) => folded.has(t.id))) st.templates = ledger.list(name, STATUS_TEMPLATES);
  }

  let templatesSavedAt = -Infinity;
  async function saveTemplates(force: boolean): Promise<void> {
    const store = deps.templateStore;
    if (!store || (!force && performance.now() - templatesSavedAt < TEMPLATE_SAVE_MS)) return;
    templatesSavedAt = performance.now();
    try {
      await store.save(ingest.snapshotTemplates());
    } catch (err) {
      // Losing a snapshot costs template ids across a restart, never input: keep running.
      telemetry.error('ingest', 'SINK_UNAVAILABLE', err, 'template snapshot not saved');
    }
  }

  async function restoreTemplates(): Promise<void> {
    if (!deps.templateStore) return;
    try {
      const snap = await deps.templateStore.load();
      if (snap) ingest.restoreTemplates(snap);
    } catch (err) {
      // A corrupt or foreign snapshot: start with no templates (a Kafka warm start relearns them).
      telemetry.error('ingest', 'INPUT_INVALID', err, 'template snapshot not restored; starting without templates');
    }
  }

  let paceFrom: { event: number; wall: number } | undefined;
  async function pace(events: readonly LogEvent[], signal: AbortSignal): Promise<void> {
    const speed = deps.speed;
    if (speed === undefined || speed === 'max' || events.length === 0) return;
    let newest = -Infinity;
    for (const e of events) if (e.ts > newest) newest = e.ts;
    paceFrom ??= { event: newest, wall: performance.now() };
    const wait = (newest - paceFrom.event) / speed - (performance.now() - paceFrom.wall);
    if (wait > 1) await sleep(wait, undefined, { signal }).catch(() => undefined);
  }

  let pending: { config: Config; actuators: Actuator[]; hash: string; applied: () => void } | undefined;
  function applyPending(): void {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    config = p.config;
    policyNow = policyResolver(config);
    mode = modeOf(config);
    actuators = p.actuators;
    for (const s of allStacks()) {
      s.breach.reconfigure(config.detector.breach);
      s.anomaly.reconfigure(config.detector.anomaly);
      s.remediator.reconfigure({ ...config.remediator, mode }, p.actuators);
    }
    deps.daemon.configHash = p.hash;
    p.applied();
  }

  const isPartials = (key: string): boolean => streams !== undefined && key.startsWith(`${streams.topic}:`);

  /** Stage one's watermark records: each held source partition's newest event time and idleness. */
  function marksOf(parts: readonly PartitionState[]): SourceMark[] {
    const maxima = ingest.sourceMaxima();
    return parts.map((p) => {
      const maxTs = maxima.get(p.key);
      return { source: p.key, maxTs: maxTs !== undefined && Number.isFinite(maxTs) ? maxTs : null, idle: p.idle, ...(p.next !== undefined ? { next: p.next } : {}) };
    });
  }

  /** Partitions given up in a rebalance: their stacks go, their unacknowledged batches are the new owner's to read again. */
  const heldBefore = new Map<string, number | undefined>();
  async function release(parts: readonly PartitionState[]): Promise<void> {
    const held = new Map(parts.map((p) => [p.key, p.epoch]));
    for (const [k, epoch] of heldBefore) {
      // Gained back since (another epoch): what was kept for it is stale, it is read again.
      if (held.has(k) && held.get(k) === epoch) continue;
      if (!isPartials(k)) streams!.publisher.forget(k);
      const s = stacks.get(k);
      stacks.delete(k);
      mergers.delete(k);
      if (s) { partialsStats.stacksDropped++; await stopStack(s); }
    }
    for (let i = unacked.length - 1; i >= 0; i--) {
      const u = unacked[i]!;
      if (!held.has(u.partition) || held.get(u.partition) !== heldBefore.get(u.partition)) unacked.splice(i, 1);
    }
    heldBefore.clear();
    for (const [k, epoch] of held) heldBefore.set(k, epoch);
  }

  /** Stage two: one partials partition's records merged; the windows they close run through its stack. */
  async function processPartials(batch: RawInput[], key: string, warmup: boolean): Promise<void> {
    const merger = mergerFor(key);
    let needs = -Infinity;
    for (const raw of batch) {
      const r = decodeRecord(raw.text);
      if (!r) { partialsStats.undecodable++; continue; }
      if (warmup) partialsStats.warmupRecords++;
      else partialsStats.records++;
      if (r.kind === 'watermark') { merger.mark(r.source, r.maxTs ?? -Infinity, r.idle, r.next); continue; }
      if (r.kind === 'merge') {
        // Every partials partition gets each merge (and from every instance that made it): the
        // first to arrive folds the ledger; each stack folds its own log_pattern state.
        const merge = { ids: r.ids, into: r.into };
        aliases.learn(merge);
        foldTemplates(await stackFor(key), [merge]);
        continue;
      }
      const outcome = merger.offer(r.source, r.partial);
      if (outcome === 'stale') partialsStats.stale++;
      else if (outcome === 'too_late') partialsStats.tooLate++;
      else needs = Math.max(needs, r.partial.windowStart + config.ingest.windowMs);
    }
    await verifyIdle(merger);
    const points = merger.collect().map((p) => aliases.point(p, config.ingest.topTemplates));
    if (points.length > 0) await processPoints(await stackFor(key), points, warmup);
    unacked.push({ batch, partition: key, needs, closed: () => closedOf(merger) });
    await settle();
  }

  /**
   * Before windows close past an idle source partition's own watermark, its log end is
   * looked up: records past the offset its reader was at when it called it idle mean it is
   * not idle (its reader, or the one taking it over, has not fetched them yet: a rebalance,
   * a turn of other partitions), and it holds the windows back again. Idleness is each
   * reader's own wall-time judgement, made before the watermark records of other readers
   * arrive here; only the log end tells whether its next records were already written.
   * Records written after this look-up are what idleness means to let go (too late, as in
   * one process). When Kafka cannot answer, every idle one holds back until it can.
   */
  async function verifyIdle(merger: WindowAggregator): Promise<void> {
    const idle = merger.idleToVerify().filter((i) => i.next !== undefined);
    if (idle.length === 0) return;
    let ends: Map<string, bigint> | undefined;
    try {
      ends = await streams!.logEnds(idle.map((i) => i.source));
    } catch (err) {
      telemetry.warn('daemon', 'SOURCE_FAILED', { err: (err as Error).message }, 'could not look up the log ends of idle source partitions; windows wait for them');
    }
    for (const i of idle) {
      const end = ends?.get(i.source);
      if (end !== undefined && end <= BigInt(i.next!)) continue;
      merger.wake(i.source);
      partialsStats.idleWoken++;
    }
  }

  const closedOf = (m: WindowAggregator): number => (Number.isFinite(m.watermark) ? m.windowStartOf(m.watermark) : -Infinity);

  async function processBatch(batch: RawInput[], signal: AbortSignal): Promise<void> {
    applyPending();
    const started = performance.now();
    const warmup = isWarmup?.(batch) ?? false;
    const parts = deps.source.partitions?.();
    const first = batch[0];
    const key = first ? partitionKey(first.position) : undefined;
    if (streams) {
      await release(parts ?? []);
      if (key !== undefined && isPartials(key)) {
        await processPartials(batch, key, warmup);
        telemetry.stageTime('daemon', (performance.now() - started) / 1000);
        return;
      }
    }
    if (warmup) warmupLines += batch.length;
    else lines += batch.length;
    const sourceParts = streams ? parts?.filter((p) => !isPartials(p.key)) : parts;
    const out = ingest.handle(batch, sourceParts);
    if (main) foldTemplates(main, out.merges);
    await pace(out.events, signal);
    // History's dead letters were written when it was first read (the topic is not idempotent).
    if (out.deadLetters.length > 0 && !warmup) {
      await ingest.writeDeadLetters(out);
      await deps.store.putDeadLetters?.(out.deadLetters);
      deadLetterCount += out.deadLetters.length;
      for (const d of out.deadLetters) {
        deadLettersByReason[d.reason] = (deadLettersByReason[d.reason] ?? 0) + 1;
        const { raw: _raw, ...kept } = d;
        recentDeadLetters.push(kept);
      }
    }
    // Stage one: history's partials were published when it was first read.
    if (streams && !warmup) await streams.publisher.publish(out.partials, marksOf(sourceParts ?? []), out.merges, key ?? '');
    if (main) await processPoints(main, out.points, warmup);
    if (key !== undefined) {
      let needs = -Infinity;
      for (const e of out.events) needs = Math.max(needs, ingest.windowEnd(e.ts));
      const source = streams ? key : undefined;
      unacked.push({ batch, needs, partition: key, closed: () => ingest.closedThrough(source) });
    }
    await settle();
    telemetry.stageTime('daemon', (performance.now() - started) / 1000);
  }

  /**
   * Batches processed but not yet acknowledged, oldest first, with the window end each still
   * needs closed and how to tell (its partition's closed-through: the instance's in one
   * process, the source partition's in stage one, the partials partition's in stage two).
   */
  const unacked: Array<{ batch: RawInput[]; needs: number; partition: string; closed: () => number }> = [];
  async function settle(force = false): Promise<void> {
    const ack = deps.source.ack?.bind(deps.source);
    if (!ack) { unacked.length = 0; return; }
    // Offsets are a prefix per partition: a batch is acknowledged only after every earlier batch of its partition.
    const blocked = new Set<string>();
    const ready: RawInput[][] = [];
    const rest: typeof unacked = [];
    for (const u of unacked) {
      if (!blocked.has(u.partition) && (force || u.needs <= u.closed())) ready.push(u.batch);
      else { blocked.add(u.partition); rest.push(u); }
    }
    if (ready.length === 0) return;
    unacked.splice(0, unacked.length, ...rest);
    await ack(ready.length === 1 ? ready[0]! : ready.flat());
  }

  /** Two stages: windows ending at or before this are closed in every partials partition held (-∞ when none is held). */
  function streamsWatermark(): number {
    let min = Infinity;
    for (const m of mergers.values()) min = Math.min(min, closedOf(m));
    return Number.isFinite(min) ? min : -Infinity;
  }

  return {
    clock,
    detections,
    actions,
    series,
    reconfigure(next, actuators, hash) {
      // A reload that arrives before the previous one applied supersedes it.
      const superseded = pending;
      const done = new Promise<void>((resolve) => { pending = { config: next, actuators, hash, applied: resolve }; });
      superseded?.applied();
      return done;
    },
    async run(signal) {
      await Promise.all([ingest.start(), ...(main ? [startStack(main)] : [])]);
      await restoreTemplates();
      try {
        for await (const batch of deps.source.batches(signal)) {
          await processBatch(batch, signal);
          if (signal.aborted) break;
        }
        // End of input (or shutdown): close what is open so nothing observed is dropped. A
        // source that can re-deliver (Kafka) keeps its open windows unacknowledged instead,
        // so a restart rebuilds them whole rather than emitting half of each twice.
        if (main && (!signal.aborted || !deps.source.ack)) {
          await processPoints(main, ingest.flush());
          await settle(true);
        }
      } finally {
        await saveTemplates(true);
        await Promise.all([ingest.stop(), ...allStacks().map(stopStack)]);
      }
    },
    async decide(actionId, decision, by, comment) {
      // The stack whose remediator holds the action (one service lives in one stack).
      const stacks = allStacks();
      const owner = stacks.find((s) => s.remediator.pendingApprovals().some((a) => a.actionId === actionId)) ?? stacks[0];
      if (!owner) throw new ForesightError('APPROVAL_INVALID', `no action ${actionId}`, { details: { status: null } });
      const record = await owner.remediator.decideApproval(actionId, decision, by, comment);
      noteRecords([], [record]);
      series.addAction(record);
      await deps.notifier?.handle({ detections: [], records: [record], now: owner.clock.now() });
      return record;
    },
    pendingApprovals: () => allStacks().flatMap((s) => s.remediator.pendingApprovals()).sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp'])),
    status() {
      return {
        mode, source: deps.source.name, lines, warmupLines, windows,
        detections: detectionCount,
        actions: actionCount,
        deadLetters: deadLetterCount,
        deadLettersByReason: { ...deadLettersByReason },
        services: services.size,
        watermark: streams ? streamsWatermark() : clock.now(),
        serviceList: [...services.values()].sort((a, b) => a.service.localeCompare(b.service)),
        recentDetections: recentDetections.toArray().reverse(),
        recentActions: recentActions.toArray().reverse(),
        recentDeadLetters: recentDeadLetters.toArray().reverse(),
        stages: {
          ingest: ingest.health(),
          models: combined(allStacks().map((s) => s.forecasting.health())),
          breach: combined(allStacks().map((s) => s.breach.health())),
          anomaly: combined(allStacks().map((s) => s.anomaly.health())),
          logPattern: combined(allStacks().map((s) => s.logPattern.health())),
          remediator: combined(allStacks().map((s) => s.remediator.health())),
          ...(deps.notifier ? { alerts: deps.notifier.health() } : {}),
        },
        ...(streams ? { streams: { partialsTopic: streams.topic, partialsPartitions: [...mergers.keys()].sort(), ...partialsStats } } : {}),
      };
    },
  };
}
