/**
 * Which partitions this consumer holds, and which of them are idle.
 *
 * A partition is idle when, for `idleMs` of wall time, it delivered nothing and nothing of
 * it was left to fetch (the last batch reached its high-water mark; for a freshly assigned
 * partition, its start offset was already at the end) AND, looked up when the idle time is
 * up, the log's end is still where this consumer is (`candidates` → `confirmIdle`): what the
 * last batch said is old news after a rebalance or a long turn of other partitions, and
 * Kafka may hold its next records already. A partition with a backlog is never idle,
 * however long the pipeline takes to get to it: declaring it idle would let the other
 * partitions close windows its pending events still belong to. Idle partitions stop holding
 * the event-time watermark back (ingest/window/watermark.ts); data makes them active again.
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
  /** The next offset to fetch: after the last one delivered, or where the consumer starts; undefined while unknown. */
  next: bigint | undefined;
}

export const partitionKeyOf = (topic: string, partition: number): string => `${topic}:${partition}`;

/** The inverse of partitionKeyOf (a topic name may itself contain ':'; the partition never does). */
export function splitPartitionKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf(':');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

export class PartitionTracker {
  private readonly held = new Map<string, Held>();
  private readonly idleMs: number;
  private epochs = 0;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  /** A new assignment of a partition: a new epoch, its idle clock from `now`, a backlog until `atEnd` says otherwise. */
  private fresh(topic: string, partition: number, now: number): Held {
    return { topic, partition, lastDataAt: now, caughtUp: false, delivered: false, idle: false, epoch: ++this.epochs, next: undefined };
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
          this.held.set(key, this.fresh(topic, partition, now));
        }
      }
    }
    const lost = [...this.held.keys()].filter((k) => !next.has(k));
    for (const k of lost) this.held.delete(k);
    return { gained, lost };
  }

  /**
   * A partition kept across a rejoin that another member worked meanwhile (`workedElsewhere`):
   * a new assignment of it, as if lost and gained again (new epoch, idle clock from now,
   * backlog until `atEnd` says otherwise), so whatever was built on the old epoch is dropped.
   * False when it is not held.
   */
  regain(key: string, now: number): boolean {
    const h = this.held.get(key);
    if (!h) return false;
    this.held.set(key, this.fresh(h.topic, h.partition, now));
    return true;
  }

  /** Messages up to `lastOffset` were handed on; `highWatermark` as of their fetch. */
  delivered(topic: string, partition: number, lastOffset: string, highWatermark: string, now: number): void {
    const h = this.held.get(partitionKeyOf(topic, partition));
    if (!h) return;
    h.lastDataAt = now;
    h.idle = false;
    h.delivered = true;
    h.next = BigInt(lastOffset) + 1n;
    h.caughtUp = h.next >= BigInt(highWatermark);
  }

  /**
   * A gained partition's start offset was looked up: whether anything is there to fetch, and
   * the offset it starts from when known (both ignored once it delivered).
   */
  atEnd(topic: string, partition: number, atEnd: boolean, from?: bigint): void {
    const h = this.held.get(partitionKeyOf(topic, partition));
    if (!h || h.delivered) return;
    h.caughtUp = atEnd;
    h.next = from;
  }

  /**
   * Partitions whose idle time is up as far as this consumer knows (caught up as of their
   * last batch, nothing delivered for idleMs): the log's end is to be looked up for each
   * before `confirmIdle` makes it idle.
   */
  candidates(now: number): Array<{ key: string; next: bigint | undefined }> {
    const out: Array<{ key: string; next: bigint | undefined }> = [];
    for (const [key, h] of this.held) if (!h.idle && h.caughtUp && now - h.lastDataAt >= this.idleMs) out.push({ key, next: h.next });
    return out;
  }

  /**
   * The log's end of a candidate, looked up after `candidates` gave `next`: idle when nothing
   * lies past `next` (true: its flag changed); with records there it has a backlog again and
   * turns idle only after delivering it. Ignored when the partition moved on meanwhile (it
   * delivered, or was lost). A candidate whose start offset is unknown (its look-up failed)
   * has nothing to compare with: `end` undefined makes it idle as before.
   */
  confirmIdle(key: string, next: bigint | undefined, end: bigint | undefined): boolean {
    const h = this.held.get(key);
    if (!h || h.idle || !h.caughtUp || h.next !== next) return false;
    if (next !== undefined && end !== undefined && end > next) { h.caughtUp = false; return false; }
    h.idle = true;
    return true;
  }

  states(): PartitionState[] {
    return [...this.held.entries()].map(([key, h]) => ({ key, idle: h.idle, epoch: h.epoch, ...(h.next !== undefined ? { next: String(h.next) } : {}) }));
  }

  /** The current assignment's epoch of a partition held; undefined when not held. */
  epochOf(topic: string, partition: number): number | undefined {
    return this.held.get(partitionKeyOf(topic, partition))?.epoch;
  }

  has(topic: string, partition: number): boolean {
    return this.held.has(partitionKeyOf(topic, partition));
  }
}

/**
 * Partitions kept across a (re)join that another member of the group worked while this one
 * was out of it: the group's committed offset is past every offset this process itself
 * committed or tried to commit (`own`: the committed offset it took the partition over at,
 * raised by each commit it sent, whatever became of it). Only a member that read the
 * partition commits on it, and nobody but this process commits below `own`, so a group
 * offset past it means another member held the partition meanwhile and acted on what it read
 * there; what this process kept for it is stale. No committed offset in the group, or none
 * past `own`: nobody else committed, the state is current (a broker outage, a rebalance this
 * process took part in). A partition this process has no offset for (held since an empty
 * start, nothing committed yet) is stale as soon as the group has any offset for it.
 */
export function workedElsewhere(kept: readonly string[], group: ReadonlyMap<string, bigint>, own: ReadonlyMap<string, bigint>): string[] {
  return kept.filter((k) => {
    const theirs = group.get(k);
    if (theirs === undefined || theirs < 0n) return false;
    const mine = own.get(k);
    return mine === undefined || theirs > mine;
  });
}
