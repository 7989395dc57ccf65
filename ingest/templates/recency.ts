/** An item whose last use Recency stamps (-1 once removed). */
export interface Stamped {
  used: number;
}

/**
 * Least-recently-used order of a set of items, exact, at O(1) amortised per use: a use stamps
 * the item and appends (item, stamp) to a queue; an entry whose stamp is no longer its item's is
 * stale and skipped. Unlike a doubly linked list it writes into the used item only, not into
 * its two neighbours and the list's head: the list's move-to-front was 90 of the miner's
 * ~1,070 ns per LogHub line, most of it cache misses on clusters other than the one matched
 * (bench/templates-loghub.ts lines, 2026-12-01).
 */
export class Recency<T extends Stamped> {
  private items: T[] = [];
  private stamps: number[] = [];
  /** Entries before head are stale. */
  private head = 0;
  private clock = 0;
  private live = 0;

  /** A new item, now the most recently used. */
  add(x: T): void {
    this.live++;
    this.stamp(x);
  }

  /** x is now the most recently used. */
  use(x: T): void {
    if (x.used !== this.clock) this.stamp(x);
  }

  remove(x: T): void {
    x.used = -1;
    this.live--;
  }

  /** The least recently used item, if any. */
  oldest(): T | undefined {
    for (; this.head < this.items.length; this.head++) {
      const x = this.items[this.head] as T;
      if (x.used === this.stamps[this.head]) return x;
    }
    return undefined;
  }

  /** The items, least recently used first. */
  values(): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const x = this.items[i] as T;
      if (x.used === this.stamps[i]) out.push(x);
    }
    return out;
  }

  private stamp(x: T): void {
    x.used = ++this.clock;
    this.items.push(x);
    this.stamps.push(x.used);
    // Stale entries are dropped when they outnumber the live ones: the queue stays within
    // 3 x live + 64 entries, and each compaction is paid for by the uses since the last one.
    if (this.items.length - this.head > 3 * this.live + 64) this.compact();
  }

  private compact(): void {
    const items: T[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const x = this.items[i] as T;
      if (x.used === this.stamps[i]) { items.push(x); stamps.push(x.used); }
    }
    this.items = items;
    this.stamps = stamps;
    this.head = 0;
  }
}
