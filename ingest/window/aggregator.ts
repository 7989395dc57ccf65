import type { LogEvent, MetricPoint } from '../types.ts';
import { emptyPoint, WindowAccumulator, type SketchRange, type WindowPartial } from './accumulator.ts';
import { PartitionWatermarks, type PartitionState, type WatermarkView } from './watermark.ts';

/**
 * Event-time tumbling windows per service.
 *
 * The watermark is kept per source partition (its largest event time minus the allowed
 * lateness) and the windows close on the minimum over active partitions (see
 * watermark.ts); a window [start, start + windowMs) closes once its end is at or below the
 * watermark, and an event for a closed window is refused (`too_late`). Whether an event is
 * late depends only on the events before it, never on how they were batched, so replays
 * give the same points.
 *
 * Empty windows: for up to `idleWindows` windows after a service's last window with events,
 * a closed window with no events still yields a point with count 0, so downstream sees the
 * service go quiet (or a short gap as zeros). Past that the service counts as gone and emits
 * nothing until it logs again; its next point then starts at its next window with events,
 * so a service back after a month does not flood downstream with 43,200 zeros.
 */

export interface WindowOptions {
  windowMs: number;
  allowedLatenessMs: number;
  idleWindows: number;
  topTemplates: number;
  /** Templates a point carries in full (with counts and samples); the most frequent first. */
  maxWindowTemplates?: number;
  sketchAccuracy: number;
  /** Latencies fed to the quantile sketches are clamped into this range (see accumulator). */
  sketchMinMs?: number;
  sketchMaxMs?: number;
  /**
   * Stage one of a scaled-out deployment (docs/streaming.md): remember which windows each
   * batch touched, so `drainPartials` can publish their aggregates.
   */
  publishPartials?: boolean;
}

interface ServiceWindows {
  open: Map<number, WindowAccumulator>;
  /** Start of the next window to emit; undefined when the service is idle past its limit. */
  next: number | undefined;
  /** Start of the latest emitted window that had events; idle zeros are counted from it. */
  lastEmitted: number;
}

export type AddOutcome = 'ok' | 'too_late';
/** Closed windows (service and window) whose merged event counts stage two remembers. */
const CLOSED_KEPT = 20_000;
/** Stage two: `stale` is a partial holding fewer events than one already kept for that source partition. */
export type OfferOutcome = 'ok' | 'too_late' | 'stale';

export class WindowAggregator {
  private readonly o: WindowOptions;
  private readonly services = new Map<string, ServiceWindows>();
  private readonly marks: PartitionWatermarks;
  /** Windows ending at or before this are closed, for every service (the watermark never goes back). */
  private closedThrough = -Infinity;
  private readonly range: SketchRange;
  /** Latencies clamped into the sketch range so far. */
  latencyClamped = 0;
  /** Stage one: windows touched since the last `drainPartials`. */
  private readonly touched = new Set<WindowAccumulator>();
  /** Stage two: per service and window, the latest partial of each source partition. */
  private readonly partials = new Map<string, Map<number, Map<string, WindowPartial>>>();
  /**
   * Stage two: events merged per source partition of recently closed windows, so a partial
   * arriving after its window closed can be told apart: a re-publication (an instance that
   * took a source partition over re-reads from its committed offset) holds no more events
   * than were merged, a real loss holds more.
   */
  private readonly closedEvents = new Map<string, Map<string, number>>();

  constructor(opts: WindowOptions) {
    this.o = opts;
    this.range = { min: opts.sketchMinMs ?? 0, max: opts.sketchMaxMs ?? Infinity };
    this.marks = new PartitionWatermarks(opts.allowedLatenessMs);
  }

  get watermark(): number {
    return Math.max(this.marks.current, this.closedThrough);
  }

  /** The per-partition watermarks, read-only. */
  get watermarks(): WatermarkView & { readonly size: { partitions: number; idle: number } } {
    return this.marks;
  }

  /** The source's partitions and their idleness (sources with partitions only). */
  assign(states: readonly PartitionState[]): void {
    this.marks.assign(states);
  }

  get openWindows(): number {
    let n = 0;
    for (const s of this.services.values()) n += s.open.size;
    return n;
  }

  windowStartOf(ts: number): number {
    return Math.floor(ts / this.o.windowMs) * this.o.windowMs;
  }

  /** Whether an event at `ts` would be refused, so callers can skip work on it. */
  isLate(ts: number): boolean {
    return this.windowStartOf(ts) + this.o.windowMs <= this.watermark;
  }

  /** `partition` as from `partitionKey(position)`; sources without partitions use one name throughout. */
  add(e: LogEvent, partition = 'default'): AddOutcome {
    const start = this.windowStartOf(e.ts);
    if (start + this.o.windowMs <= this.watermark) return 'too_late';
    let s = this.services.get(e.service);
    if (!s) {
      s = { open: new Map(), next: undefined, lastEmitted: -Infinity };
      this.services.set(e.service, s);
    }
    let acc = s.open.get(start);
    if (!acc) {
      acc = new WindowAccumulator(e.service, start, this.o.sketchAccuracy, this.range);
      s.open.set(start, acc);
    }
    if (acc.add(e)) this.latencyClamped++;
    if (this.o.publishPartials) this.touched.add(acc);
    this.marks.observe(partition, e.ts);
    return 'ok';
  }

  /**
   * Stage one: the aggregates of the windows touched since the last call, open ones
   * included (they stay open and are published again as they grow), then forgets the
   * windows this partition's watermark has passed. No empty windows: stage two, which
   * hears from every partition, makes those.
   */
  drainPartials(): WindowPartial[] {
    const out: WindowPartial[] = [];
    for (const acc of this.touched) out.push(acc.toPartial());
    this.touched.clear();
    const wm = this.watermark;
    if (!Number.isFinite(wm)) return out;
    this.closedThrough = wm;
    for (const [service, s] of this.services) {
      for (const start of s.open.keys()) if (start + this.o.windowMs <= wm) s.open.delete(start);
      if (s.open.size === 0) this.services.delete(service);
    }
    return out;
  }

  /**
   * Stage two: a source partition's latest aggregate of a service's window. It replaces
   * the one kept for that source partition unless it holds fewer events (an instance that
   * took the partition over and is still re-reading what the previous one had published).
   */
  offer(source: string, p: WindowPartial): OfferOutcome {
    // Closed means emitted (`collect`), not merely passed by the watermark: a batch of the
    // partials topic can carry a watermark record and, after it, a partial of a window that
    // record passed (a new owner of a source partition re-publishing); until the batch's
    // `collect` that window is still open here and takes it like any other.
    if (p.windowStart + this.o.windowMs <= this.closedThrough) {
      const merged = this.closedEvents.get(`${p.service}\u0000${p.windowStart}`)?.get(source) ?? 0;
      return p.events <= merged ? 'stale' : 'too_late';
    }
    let byWindow = this.partials.get(p.service);
    if (!byWindow) { byWindow = new Map(); this.partials.set(p.service, byWindow); }
    let bySource = byWindow.get(p.windowStart);
    if (!bySource) { bySource = new Map(); byWindow.set(p.windowStart, bySource); }
    const kept = bySource.get(source);
    if (kept && kept.events > p.events) return 'stale';
    bySource.set(source, p);
    let s = this.services.get(p.service);
    if (!s) {
      s = { open: new Map(), next: undefined, lastEmitted: -Infinity };
      this.services.set(p.service, s);
    }
    const parts = [...bySource].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, q]) => q);
    s.open.set(p.windowStart, WindowAccumulator.merged(p.service, p.windowStart, this.o.sketchAccuracy, this.range, parts));
    return 'ok';
  }

  /** Stage two: a source partition's watermark record (its largest event time so far, idleness, and where its reader was). */
  mark(source: string, maxTs: number, idle: boolean, next?: string): void {
    this.marks.mark(source, maxTs, idle, next);
  }

  /**
   * Stage two: the idle source partitions that `collect` would close windows past (their
   * own watermark below the windows that would close), with the offset their reader was at
   * when it called them idle. The caller checks each against the log's end and `wake`s the
   * ones with unread records; empty when no new window would close.
   */
  idleToVerify(): Array<{ source: string; next: string | undefined }> {
    const wm = this.marks.current;
    if (!Number.isFinite(wm) || this.windowStartOf(wm) <= this.windowStartOf(this.closedThrough)) return [];
    return this.marks.idleBelow(this.windowStartOf(wm)).map(({ key, next }) => ({ source: key, next }));
  }

  /** Stage two: an idle source partition with unread records holds windows back again. */
  wake(source: string): void {
    this.marks.wake(source);
  }

  /** Points of every window the watermark has passed, ordered by window start, then service. */
  collect(): MetricPoint[] {
    const wm = this.watermark;
    if (!Number.isFinite(wm)) return [];
    this.closedThrough = wm;
    return this.closeThrough(this.windowStartOf(wm) - this.o.windowMs);
  }

  /** Closes every open window (end of a replay, shutdown); later events for them are too late. */
  flush(): MetricPoint[] {
    let last = -Infinity;
    for (const s of this.services.values()) for (const start of s.open.keys()) if (start > last) last = start;
    if (!Number.isFinite(last)) return [];
    const points = this.closeThrough(last);
    this.closedThrough = Math.max(this.closedThrough, last + this.o.windowMs);
    return points;
  }

  private closeThrough(lastStart: number): MetricPoint[] {
    const W = this.o.windowMs;
    const points: MetricPoint[] = [];
    for (const [service, s] of this.services) {
      let start = s.next ?? minKey(s.open);
      while (start !== undefined && start <= lastStart) {
        const acc = s.open.get(start);
        if (acc) {
          points.push(acc.point(W, this.o.topTemplates, this.o.maxWindowTemplates));
          s.open.delete(start);
          const merged = this.partials.get(service)?.get(start);
          if (merged) {
            this.partials.get(service)!.delete(start);
            this.closedEvents.set(`${service}\u0000${start}`, new Map([...merged].map(([source, q]) => [source, q.events])));
            // Bounded: re-publications come within a rebalance of the close, long before this many windows pass.
            if (this.closedEvents.size > CLOSED_KEPT) this.closedEvents.delete(this.closedEvents.keys().next().value!);
          }
          s.lastEmitted = start;
        } else if (start <= s.lastEmitted + this.o.idleWindows * W) {
          points.push(emptyPoint(service, start, W));
        } else {
          // Gone quiet for longer than idleWindows: skip straight to its next window with
          // events rather than walking (and emitting) every empty window in between.
          start = minKey(s.open);
          s.next = undefined;
          continue;
        }
        start += W;
        s.next = start;
      }
    }
    return points.sort((a, b) => a.windowStart - b.windowStart || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }
}

function minKey(m: Map<number, unknown>): number | undefined {
  let min: number | undefined;
  for (const k of m.keys()) if (min === undefined || k < min) min = k;
  return min;
}
