/**
 * Least-recently-used order of a set of items, exact, at O(1) amortised per use: a use stamps
 * the item and appends (item, stamp) to a log; an entry whose stamp is no longer its item's
 * is stale and skipped. Unlike a doubly linked list it writes nothing into the items, and the
 * stamps live in one typed array indexed by a dense slot per item, so a use and the log's
 * compaction touch a few compact arrays instead of clusters spread over the heap: the list's
 * move-to-front cost 90 of the miner's ~1,070 ns per LogHub line, mostly cache misses on
 * clusters other than the one matched, and a first version of this log that read each
 * entry's stamp from its cluster spent 5 % of the CPU on the digit-varied stream compacting
 * (bench/templates-loghub.ts lines, 2026-12-01).
 */
/** An item Recency orders: its slot is Recency's to set (at add()). */
export interface Slotted {
  slot: number;
}

export class Recency<T extends Slotted> {
  private live = 0;
  private items: Array<T | undefined> = [];
  /** Stamp of each slot's last use; -1 for a free slot. Float64: exact far past 2^31 uses. */
  private stampOf: Float64Array = new Float64Array(64);
  private freeSlots: number[] = [];
  /** The log: slot and stamp of each use, oldest first from head. */
  private logSlot: Int32Array = new Int32Array(256);
  private logStamp: Float64Array = new Float64Array(256);
  private head = 0;
  private tail = 0;
  private clock = 0;

  /** A new item, now the most recently used. */
  add(x: T): void {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.items.length;
      this.items.push(x);
      if (slot === this.stampOf.length) this.stampOf = grow(this.stampOf);
    } else this.items[slot] = x;
    x.slot = slot;
    this.live++;
    this.stamp(slot);
  }

  /** x is now the most recently used. */
  use(x: T): void {
    if (this.stampOf[x.slot] !== this.clock) this.stamp(x.slot);
  }

  remove(x: T): void {
    const slot = x.slot;
    if (this.items[slot] !== x) return;
    this.live--;
    this.items[slot] = undefined;
    this.stampOf[slot] = -1;
    this.freeSlots.push(slot);
  }

  /** The least recently used item, if any. */
  oldest(): T | undefined {
    for (; this.head < this.tail; this.head++) {
      const slot = this.logSlot[this.head] as number;
      if (this.stampOf[slot] === this.logStamp[this.head]) return this.items[slot];
    }
    return undefined;
  }

  /** The items, least recently used first. */
  values(): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.tail; i++) {
      const slot = this.logSlot[i] as number;
      if (this.stampOf[slot] === this.logStamp[i]) out.push(this.items[slot] as T);
    }
    return out;
  }

  private stamp(slot: number): void {
    const s = ++this.clock;
    this.stampOf[slot] = s;
    if (this.tail === this.logSlot.length) {
      // Stale entries are dropped when they outnumber the live ones three to one; otherwise
      // the log grows. Each compaction is paid for by the uses since the last one.
      if (this.tail - this.head > 4 * this.live + 64) this.compact();
      if (this.tail === this.logSlot.length) {
        this.logSlot = growInt(this.logSlot);
        this.logStamp = grow(this.logStamp);
      }
    }
    this.logSlot[this.tail] = slot;
    this.logStamp[this.tail] = s;
    this.tail++;
  }

  private compact(): void {
    let j = 0;
    for (let i = this.head; i < this.tail; i++) {
      const slot = this.logSlot[i] as number;
      const s = this.logStamp[i] as number;
      if (this.stampOf[slot] === s) { this.logSlot[j] = slot; this.logStamp[j] = s; j++; }
    }
    this.head = 0;
    this.tail = j;
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function growInt(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
