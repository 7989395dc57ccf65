import type { Clock } from '../core/clock.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { IngestConfig } from './config.ts';
import { createCleaner, deadLetter, rawKeeping } from './clean/clean.ts';
import { createRedactor } from './clean/redact.ts';
import { createTimestampGuard } from './clean/timerange.ts';
import { DrainMiner, type DrainSnapshot } from './templates/drain.ts';
import type { DeadLetter, DeadLetterReason, DeadLetterSink, LogEvent, MetricPoint, RawInput } from './types.ts';
import { WindowAggregator } from './window/aggregator.ts';
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
}

export interface IngestOutput {
  events: LogEvent[];
  points: MetricPoint[];
  deadLetters: DeadLetter[];
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
  closedThrough(): number;
  /** End of the window an event at `ts` falls into. */
  windowEnd(ts: number): number;
  /** Writes a batch's dead letters to the sink; resolves once they are durable. */
  writeDeadLetters(out: IngestOutput): Promise<void>;
  snapshotTemplates(): DrainSnapshot;
  restoreTemplates(s: DrainSnapshot): void;
  health(): StageHealth;
}

export function createIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { telemetry, clock } = deps;
  const clean = createCleaner(config);
  const miner = new DrainMiner(config.templates);
  const windows = new WindowAggregator({
    windowMs: config.windowMs,
    allowedLatenessMs: config.allowedLatenessMs,
    idleWindows: config.idleWindows,
    topTemplates: config.topTemplates,
    maxWindowTemplates: config.maxWindowTemplates,
    sketchAccuracy: config.sketchAccuracy,
    sketchMinMs: config.sketchMinMs,
    sketchMaxMs: config.maxLatencyMs,
  });
  const inRange = createTimestampGuard(config);
  const keeping = rawKeeping(config, createRedactor(config.redaction));
  const counts = { lines: 0, events: 0, points: 0, deadLetters: 0 };
  const byReason: Partial<Record<DeadLetterReason, number>> = {};
  let stopped = false;

  const reject = (letter: DeadLetter, out: DeadLetter[]): void => {
    out.push(letter);
    counts.deadLetters++;
    byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
    telemetry.deadLettered(letter.reason);
  };
  const emitted = (points: MetricPoint[]): MetricPoint[] => {
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
      if (partitions) windows.assign(partitions);
      const now = clock.now();
      const events: LogEvent[] = [];
      const letters: DeadLetter[] = [];
      for (const raw of batch) {
        counts.lines++;
        telemetry.lineRead(raw.position.kind);
        const r = clean(raw, now);
        if (!r.ok) { reject(r.letter, letters); continue; }
        const e = r.event;
        // The event's own partition's watermark is the one it would move; the instance's
        // (the minimum over partitions) before that partition has one.
        const part = partitionKey(raw.position);
        const range = inRange(e.ts, Math.max(windows.watermarks.of(part), windows.watermark));
        if (!range.ok) { reject(deadLetter(raw, 'timestamp_out_of_range', range.detail, now, config.maxLineBytes, keeping), letters); continue; }
        // Lateness first: a refused event must not teach the miner.
        if (windows.isLate(e.ts)) {
          reject(deadLetter(raw, 'too_late', `window ${new Date(windows.windowStartOf(e.ts)).toISOString()} closed at watermark ${new Date(windows.watermark).toISOString()}`, now, config.maxLineBytes, keeping), letters);
          continue;
        }
        if (e.message !== '') e.template = miner.add(e.message);
        windows.add(e, part);
        counts.events++;
        telemetry.eventAccepted();
        events.push(e);
      }
      const points = emitted(windows.collect());
      telemetry.stageTime('ingest', (performance.now() - t0) / 1000);
      return { events, points, deadLetters: letters };
    },

    flush() {
      return emitted(windows.flush());
    },

    closedThrough() {
      const wm = windows.watermark;
      return Number.isFinite(wm) ? windows.windowStartOf(wm) : -Infinity;
    },

    windowEnd(ts) {
      return windows.windowStartOf(ts) + config.windowMs;
    },

    writeDeadLetters(out) {
      return deps.deadLetters.write(out.deadLetters);
    },

    snapshotTemplates: () => miner.snapshot(),
    restoreTemplates: (s) => miner.restore(s),

    health() {
      return {
        ok: !stopped,
        detail: {
          ...counts,
          deadLettersByReason: { ...byReason },
          openWindows: windows.openWindows,
          watermark: Number.isFinite(windows.watermark) ? windows.watermark : null,
          partitions: windows.watermarks.size.partitions,
          idlePartitions: windows.watermarks.size.idle,
          templates: miner.size,
          latencyClamped: windows.latencyClamped,
        },
      };
    },
  };
}

export { ingestConfigSchema, parseIngestConfig, type IngestConfig } from './config.ts';
export { FileSource } from './sources/file.ts';
export { StdinSource } from './sources/stdin.ts';
export { FileDeadLetterSink } from './deadletter/file.ts';
export { MemoryDeadLetterSink } from './deadletter/memory.ts';
export { DrainMiner, type DrainSnapshot } from './templates/drain.ts';
export type * from './types.ts';
export { PartitionWatermarks, partitionKey, type PartitionState, type WatermarkView } from './window/watermark.ts';
export { DEAD_LETTER_REASONS } from './types.ts';
