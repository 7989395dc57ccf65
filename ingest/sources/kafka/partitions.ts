/**
 * Which partitions this consumer holds, and which of them are idle.
 *
 * A partition is idle when, for `idleMs` of wall time, it delivered nothing and nothing of
 * it was left to fetch (the last batch reached its high-water mark; for a freshly assigned
 * partition, its start offset was already at the end). A partition with a backlog is never
 * idle, however long the
 * pipeline takes to get to it: declaring it idle would let the other partitions close
 * windows its pending events still belong to. Idle partitions stop holding the event-time
 * watermark back (ingest/window/watermark.ts); data makes them active again.
 */
import type { PartitionState } from '../../window/watermark.ts';

interface Held {
  topic: string;
  partition: number;
  /** Wall time of the last delivered message, or of the assignment. */
  lastDataAt: number;
  /** Nothing left to fetch as of the last batch; false while unknown (assigned, end not looked up yet). */
  caughtUp: boolean;
  delivered: boolean;
  idle: boolean;
  /** Which assignment this is (see PartitionState.epoch). */
  epoch: number;
}

export const partitionKeyOf = (topic: string, partition: number): string => `${topic}:${partition}`;

export class PartitionTracker {
  private readonly held = new Map<string, Held>();
  private readonly idleMs: number;
  private epochs = 0;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  /**
   * A (re)assignment: partitions kept keep their state, new ones start their idle clock now
   * and count as having a backlog until `atEnd` says otherwise.
   */
  assign(assignment: Record<string, number[]>, now: number): { gained: string[]; lost: string[] } {
    const next = new Set<string>();
    const gained: string[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKeyOf(topic, partition);
        next.add(key);
        if (!this.held.has(key)) {
          gained.push(key);
          this.held.set(key, { topic, partition, lastDataAt: now, caughtUp: false, delivered: false, idle: false, epoch: ++this.epochs });
        }
      }
    }
    const lost = [...this.held.keys()].filter((k) => !next.has(k));
    for (const k of lost) this.held.delete(k);
    return { gained, lost };
  }

  /** Messages up to `lastOffset` were handed on; `highWatermark` as of their fetch. */
  delivered(topic: string, partition: number, lastOffset: string, highWatermark: string, now: number): void {
    const h = this.held.get(partitionKeyOf(topic, partition));
    if (!h) return;
    h.lastDataAt = now;
    h.idle = false;
    h.delivered = true;
    h.caughtUp = BigInt(lastOffset) + 1n >= BigInt(highWatermark);
  }

  /** A gained partition's start offset was looked up: whether anything is there to fetch (ignored once it delivered). */
  atEnd(topic: string, partition: number, atEnd: boolean): void {
    const h = this.held.get(partitionKeyOf(topic, partition));
    if (h && !h.delivered) h.caughtUp = atEnd;
  }

  /** Re-evaluates idleness; true when some partition's flag changed. */
  tick(now: number): boolean {
    let changed = false;
    for (const h of this.held.values()) {
      const idle = h.caughtUp && now - h.lastDataAt >= this.idleMs;
      if (idle !== h.idle) { h.idle = idle; changed = true; }
    }
    return changed;
  }

  states(): PartitionState[] {
    return [...this.held.entries()].map(([key, h]) => ({ key, idle: h.idle, epoch: h.epoch }));
  }

  has(topic: string, partition: number): boolean {
    return this.held.has(partitionKeyOf(topic, partition));
  }
}
