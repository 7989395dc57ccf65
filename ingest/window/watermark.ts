/**
 * Event-time watermarks per source partition.
 *
 *   partition p: max event time seen on p ── − allowedLateness ──► wm(p)
 *   instance:    min over active partitions of wm(p)          ──► current
 *
 * Each partition advances on its own events only, so a partition that lags (fetched later,
 * keyed differently, a slower producer) never makes another's events late: skew between
 * partitions costs waiting, not data. Allowed lateness is the disorder tolerated inside one
 * partition. A partition the source reports idle (no data for `source.kafka.idleMs` and
 * nothing left to fetch) stops holding the minimum back; its next event makes it active
 * again, and whatever of it falls in windows closed meanwhile is too late. When every
 * partition is idle the instance watermark is the furthest one: nothing is pending anywhere.
 *
 * A partition that is assigned but has delivered nothing yet holds the watermark at -∞
 * until its first event or until it is reported idle, so a freshly assigned partition with
 * a backlog is read before the windows it feeds close.
 *
 * Sources without partitions (files, stdin, the simulator) are one partition named after
 * their kind; the result is then the classic single-stream watermark.
 *
 * `current` is not monotonic on its own (a partition rejoining can lower the minimum); the
 * window aggregator keeps the highest value it closed windows on.
 */
import type { SourcePosition } from '../types.ts';

/** What other checks (e.g. a timestamp range check against the watermark) may ask. */
export interface WatermarkView {
  /** The instance watermark: windows ending at or before it may close. -∞ before any event. */
  readonly current: number;
  /** Largest event time seen on any partition; -∞ before any event. */
  readonly maxEventTime: number;
  /** One partition's own watermark (its max event time − allowed lateness); -∞ if unknown. */
  of(partition: string): number;
}

export interface PartitionState {
  /** Source-specific partition key, e.g. `topic:3`; matches `partitionKey(position)`. */
  key: string;
  /** No data for the source's idle timeout and nothing left to fetch. */
  idle: boolean;
  /**
   * Changes each time the partition is assigned anew (Kafka): a partition lost and gained
   * back between two batches is another partition as far as state kept for it goes.
   */
  epoch?: number;
  /**
   * Kafka: the next offset to fetch (after the last record delivered, or where the consumer
   * starts), when known. An idle partition's watermark record carries it, so stage two can
   * check against the log's end that it really has nothing unread (docs/streaming.md).
   */
  next?: string;
}

interface Partition {
  maxTs: number;
  idle: boolean;
  /** Stage two: where the partition's reader said it was when it called it idle. */
  next?: string;
}

export class PartitionWatermarks implements WatermarkView {
  private readonly parts = new Map<string, Partition>();
  private readonly latenessMs: number;
  /**
   * `current`, kept until a partition's max or idleness changes: ingest reads it several
   * times per line (range check, lateness, the add), each a walk over the partitions.
   */
  private cached: number | undefined;

  constructor(allowedLatenessMs: number) {
    this.latenessMs = allowedLatenessMs;
  }

  /** An event at `ts` from `partition`: that partition is active and may move on. */
  observe(partition: string, ts: number): void {
    const p = this.parts.get(partition);
    if (!p) { this.parts.set(partition, { maxTs: ts, idle: false }); this.cached = undefined; return; }
    if (p.idle) { p.idle = false; this.cached = undefined; }
    if (ts > p.maxTs) { p.maxTs = ts; this.cached = undefined; }
  }

  /**
   * What another instance says of a partition (stage two's watermark records): its largest
   * event time so far (never moving back) and whether it is idle.
   */
  mark(partition: string, maxTs: number, idle: boolean, next?: string): void {
    this.cached = undefined;
    const p = this.parts.get(partition);
    if (!p) { this.parts.set(partition, { maxTs, idle, ...(next !== undefined ? { next } : {}) }); return; }
    if (maxTs > p.maxTs) p.maxTs = maxTs;
    p.idle = idle;
    if (next !== undefined) p.next = next;
    else delete p.next;
  }

  /**
   * Idle partitions whose own watermark is below `ts`: excluding them is what would let
   * windows up to `ts` close. With the offset their reader was at when it called them idle.
   */
  idleBelow(ts: number): Array<{ key: string; next: string | undefined }> {
    const out: Array<{ key: string; next: string | undefined }> = [];
    for (const [key, p] of this.parts) if (p.idle && p.maxTs - this.latenessMs < ts) out.push({ key, next: p.next });
    return out;
  }

  /** An idle partition found to have unread records: it holds the minimum back again until its reader says otherwise. */
  wake(partition: string): void {
    const p = this.parts.get(partition);
    if (!p || !p.idle) return;
    p.idle = false;
    this.cached = undefined;
  }

  /**
   * The source's current assignment: partitions not listed are dropped (revoked), listed
   * ones are added (holding the watermark back until they deliver or go idle) and take the
   * idle flag given.
   */
  assign(states: readonly PartitionState[]): void {
    this.cached = undefined;
    const keep = new Set<string>();
    for (const s of states) {
      keep.add(s.key);
      const p = this.parts.get(s.key);
      if (p) p.idle = s.idle;
      else this.parts.set(s.key, { maxTs: -Infinity, idle: s.idle });
    }
    for (const k of [...this.parts.keys()]) if (!keep.has(k)) this.parts.delete(k);
  }

  get current(): number {
    return this.cached ??= this.compute();
  }

  private compute(): number {
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    for (const p of this.parts.values()) {
      const wm = p.maxTs - this.latenessMs;
      if (wm > max) max = wm;
      if (p.idle) continue;
      active++;
      if (wm < min) min = wm;
    }
    if (this.parts.size === 0) return -Infinity;
    return active > 0 ? min : max;
  }

  get maxEventTime(): number {
    let max = -Infinity;
    for (const p of this.parts.values()) if (p.maxTs > max) max = p.maxTs;
    return max;
  }

  of(partition: string): number {
    const p = this.parts.get(partition);
    return p ? p.maxTs - this.latenessMs : -Infinity;
  }

  /** Partitions known, and how many of them are idle (health). */
  get size(): { partitions: number; idle: number } {
    let idle = 0;
    for (const p of this.parts.values()) if (p.idle) idle++;
    return { partitions: this.parts.size, idle };
  }
}

/** The partition an input belongs to, for watermarks: Kafka's topic and partition, else the source kind. */
export function partitionKey(position: SourcePosition): string {
  return position.kind === 'kafka' ? `${position.topic}:${position.partition}` : position.kind;
}
