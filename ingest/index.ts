import type { Clock } from '../core/clock.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { IngestConfig } from './config.ts';
import { createCleaner, deadLetter, rawKeeping } from './clean/clean.ts';
import { createRedactor } from './clean/redact.ts';
import { createTimestampGuard } from './clean/timerange.ts';
import { DrainMiner, type DrainSnapshot, type DrainSnapshotV2 } from './templates/drain.ts';
import type { DeadLetter, DeadLetterReason, DeadLetterSink, LogEvent, MetricPoint, RawInput, TemplateMerge } from './types.ts';
import { WindowAggregator, type WindowOptions } from './window/aggregator.ts';
import { resolvePointTemplates, resolveTemplateCounts, type WindowPartial } from './window/accumulator.ts';
import { partitionKey, type PartitionState, type WatermarkView } from './window/watermark.ts';

/**
 * The ingest stage.
 *
 *   RawInput[] ──► clean (size, JSON, aliases, redact) ──► template (Drain) ──► windows ──► MetricPoint[]
 *                    │                                                      │
 *                    └────────────── DeadLetter[] ◄──────── too_late ───────┘
 *
 * `handle` is synchronous and does no I/O: it returns the batch's events, the points of the
 * windows the batch closed, and its dead letters. Writing the dead letters is the caller's
 * job, because only the caller knows when to acknowledge the source: the daemon awaits
 * `deadLetters.write(out.deadLetters)` (or `writeDeadLetters(out)`) and the downstream
 * effects, and only then calls `source.ack(batch)`, so Kafka offsets never run ahead of
 * durable dead letters.
 */

export interface IngestDeps {
  telemetry: Telemetry;
  deadLetters: DeadLetterSink;
  clock: Clock;
  /**
   * Stage one of a scaled-out deployment (docs/streaming.md): windows are kept per source
   * partition, closed on that partition's own watermark, and leave as `partials` (every
   * window a batch touched, open or not) instead of points; stage two merges them.
   */
  partials?: boolean;
}

/** One source partition's aggregate of a service's window. */
export interface SourcedPartial {
  source: string;
  partial: WindowPartial;
}

export interface IngestOutput {
  events: LogEvent[];
  points: MetricPoint[];
  /** Stage one only (`partials: true`); `points` is then empty. */
  partials: SourcedPartial[];
  deadLetters: DeadLetter[];
  /**
   * Clusters the batch's lines merged, in order. The points and partials already carry the
   * survivors' ids; what was kept under a folded id before (template ledgers, detectors) is
   * the caller's to fold (daemon/pipeline.ts).
   */
  merges: TemplateMerge[];
}

export interface Ingest {
  start(): Promise<void>;
  /** Idempotent. Closes the dead-letter sink; open windows are left to `flush()`. */
  stop(): Promise<void>;
  /**
   * `partitions`: the source's assigned partitions and which are idle (partitioned sources
   * only); windows then close on the minimum of the active partitions' watermarks.
   */
  handle(batch: RawInput[], partitions?: readonly PartitionState[]): IngestOutput;
  /** Per-partition and instance watermarks (read-only), for checks against event time. */
  readonly watermarks: WatermarkView;
  /** Closes every open window: end of a replay, or shutdown. */
  flush(): MetricPoint[];
  /**
   * Windows ending at or before this event time are closed and their points emitted; an
   * event at `ts` no longer feeds an open window once `windowEnd(ts) <= closedThrough()`.
   * The daemon uses it to hold back source acknowledgements (daemon/pipeline.ts).
   */
  closedThrough(partition?: string): number;
  /** Stage one: each held source partition's largest event time so far (-∞ before any). */
  sourceMaxima(): Map<string, number>;
  /** End of the window an event at `ts` falls into. */
  windowEnd(ts: number): number;
  /** Writes a batch's dead letters to the sink; resolves once they are durable. */
  writeDeadLetters(out: IngestOutput): Promise<void>;
  snapshotTemplates(): DrainSnapshot;
  restoreTemplates(s: DrainSnapshot | DrainSnapshotV2): void;
  /** The live template id an id handed out earlier stands for after merges; undefined once evicted. */
  resolveTemplate(id: string): string | undefined;
  health(): StageHealth;
}

export function createIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { telemetry, clock } = deps;
  const clean = createCleaner(config);
  const merges: TemplateMerge[] = [];
  const miner = new DrainMiner(config.templates, { merged: (ids, into) => { merges.push({ ids: [...ids], into }); } });
  const current = (id: string): ReturnType<DrainMiner['template']> => miner.template(id);
  const windowOptions = windowOptionsOf(config);
  const windows = new WindowAggregator(windowOptions);
  /** Stage one: one aggregator per source partition, each closing on its own watermark. */
  const bySource = new Map<string, WindowAggregator>();
  /** Stage one: the assignment each aggregator was built in (a partition lost and gained back starts over). */
  const epochs = new Map<string, number | undefined>();
  const windowsOf = (source: string): WindowAggregator => {
    if (!deps.partials) return windows;
    let w = bySource.get(source);
    if (!w) { w = new WindowAggregator({ ...windowOptions, publishPartials: true }); bySource.set(source, w); }
    return w;
  };
  const inRange = createTimestampGuard(config);
  const keeping = rawKeeping(config, createRedactor(config.redaction));
  const counts = { lines: 0, events: 0, points: 0, partials: 0, deadLetters: 0 };
  const byReason: Partial<Record<DeadLetterReason, number>> = {};
  let stopped = false;

  const reject = (letter: DeadLetter, out: DeadLetter[]): void => {
    out.push(letter);
    counts.deadLetters++;
    byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
    telemetry.deadLettered(letter.reason);
  };
  // A window's counts under ids merged since are the survivors' (and so are its documents and detections).
  const resolved = (p: MetricPoint): MetricPoint => resolvePointTemplates(p, current, config.topTemplates);
  const emitted = (closed: MetricPoint[]): MetricPoint[] => {
    const points = closed.map(resolved);
    for (const p of points) telemetry.windowClosed(p.service);
    counts.points += points.length;
    if (points.length > 0) telemetry.watermarkAdvanced(windows.watermark);
    return points;
  };

  return {
    async start() {},

    async stop() {
      if (stopped) return;
      stopped = true;
      await deps.deadLetters.close();
    },

    watermarks: windows.watermarks,

    handle(batch, partitions) {
      const t0 = performance.now();
      if (partitions && !deps.partials) windows.assign(partitions);
      if (partitions && deps.partials) {
        // A partition given up: the instance that gains it rebuilds its open windows (warm start).
        const held = new Map(partitions.map((p) => [p.key, p.epoch]));
        for (const k of [...bySource.keys()]) if (!held.has(k) || held.get(k) !== epochs.get(k)) bySource.delete(k);
        for (const [k, epoch] of held) epochs.set(k, epoch);
      }
      const now = clock.now();
      const events: LogEvent[] = [];
      const letters: DeadLetter[] = [];
      // Counted per batch, not per line: prom-client's labelled inc() per line was 2 % of
      // ingest's profile (issue #16). Batches hold one source kind; a change flushes.
      let kind = '';
      let kindLines = 0;
      let accepted = 0;
      // Kafka positions make a `topic:partition` string per line; consecutive lines of one
      // partition (the usual batch) reuse the previous one.
      let lastPos: RawInput['position'] | undefined;
      let part = '';
      for (const raw of batch) {
        counts.lines++;
        if (raw.position.kind !== kind) {
          if (kindLines > 0) telemetry.lineRead(kind, kindLines);
          kind = raw.position.kind;
          kindLines = 0;
        }
        kindLines++;
        const r = clean(raw, now);
        if (!r.ok) { reject(r.letter, letters); continue; }
        const e = r.event;
        // The event's own partition's watermark is the one it would move; the instance's
        // (the minimum over partitions) before that partition has one.
        const pos = raw.position;
        if (lastPos === undefined || pos.kind !== lastPos.kind || (pos.kind === 'kafka' && lastPos.kind === 'kafka' && (pos.partition !== lastPos.partition || pos.topic !== lastPos.topic))) {
          part = partitionKey(pos);
          lastPos = pos;
        }
        const w = windowsOf(part);
        const range = inRange(e.ts, Math.max(w.watermarks.of(part), w.watermark));
        if (!range.ok) { reject(deadLetter(raw, 'timestamp_out_of_range', range.detail, now, config.maxLineBytes, keeping), letters); continue; }
        // Lateness first: a refused event must not teach the miner.
        if (w.isLate(e.ts)) {
          reject(deadLetter(raw, 'too_late', `window ${new Date(w.windowStartOf(e.ts)).toISOString()} closed at watermark ${new Date(w.watermark).toISOString()}`, now, config.maxLineBytes, keeping), letters);
          continue;
        }
        if (e.message !== '') e.template = miner.add(e.message);
        w.add(e, part);
        counts.events++;
        accepted++;
        events.push(e);
      }
      if (kindLines > 0) telemetry.lineRead(kind, kindLines);
      if (accepted > 0) telemetry.eventAccepted(accepted);
      const partials: SourcedPartial[] = [];
      for (const [source, w] of bySource) {
        for (const partial of w.drainPartials()) {
          const templates = resolveTemplateCounts(partial.templates, current);
          partials.push({ source, partial: templates ? { ...partial, templates } : partial });
        }
      }
      counts.partials += partials.length;
      const points = deps.partials ? [] : emitted(windows.collect());
      telemetry.stageTime('ingest', (performance.now() - t0) / 1000);
      return { events, points, partials, deadLetters: letters, merges: merges.splice(0) };
    },

    flush() {
      return emitted(windows.flush());
    },

    closedThrough(partition) {
      const w = partition !== undefined && deps.partials ? bySource.get(partition) : windows;
      const wm = w?.watermark ?? -Infinity;
      return Number.isFinite(wm) ? windows.windowStartOf(wm) : -Infinity;
    },

    sourceMaxima() {
      return new Map([...bySource].map(([source, w]) => [source, w.watermarks.maxEventTime]));
    },

    windowEnd(ts) {
      return windows.windowStartOf(ts) + config.windowMs;
    },

    writeDeadLetters(out) {
      return deps.deadLetters.write(out.deadLetters);
    },

    snapshotTemplates: () => miner.snapshot(),
    restoreTemplates: (s) => miner.restore(s),
    resolveTemplate: (id) => miner.resolve(id),

    health() {
      return {
        ok: !stopped,
        detail: {
          ...counts,
          deadLettersByReason: { ...byReason },
          openWindows: [...bySource.values()].reduce((n, w) => n + w.openWindows, windows.openWindows),
          watermark: Number.isFinite(windows.watermark) ? windows.watermark : null,
          partitions: windows.watermarks.size.partitions,
          idlePartitions: windows.watermarks.size.idle,
          templates: miner.size,
          latencyClamped: [...bySource.values()].reduce((n, w) => n + w.latencyClamped, windows.latencyClamped),
        },
      };
    },
  };
}

/** The window settings of the ingest config (stage two's merger closes windows by the same rules). */
export function windowOptionsOf(config: IngestConfig): WindowOptions {
  return {
    windowMs: config.windowMs,
    allowedLatenessMs: config.allowedLatenessMs,
    idleWindows: config.idleWindows,
    topTemplates: config.topTemplates,
    maxWindowTemplates: config.maxWindowTemplates,
    sketchAccuracy: config.sketchAccuracy,
    sketchMinMs: config.sketchMinMs,
    sketchMaxMs: config.maxLatencyMs,
  };
}

export { ingestConfigSchema, parseIngestConfig, type IngestConfig } from './config.ts';
export { FileSource } from './sources/file.ts';
export { StdinSource } from './sources/stdin.ts';
export { FileDeadLetterSink } from './deadletter/file.ts';
export { MemoryDeadLetterSink } from './deadletter/memory.ts';
export { DrainMiner, type DrainSnapshot, type DrainSnapshotV2 } from './templates/drain.ts';
export type * from './types.ts';
export { PartitionWatermarks, partitionKey, type PartitionState, type WatermarkView } from './window/watermark.ts';
export { DEAD_LETTER_REASONS } from './types.ts';
