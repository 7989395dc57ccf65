/**
 * Fixed-capacity FIFO of numbers: forecasters keep their history in these so a service's
 * state stays bounded however long the daemon runs.
 */
export class RingBuffer {
  private readonly buf: Float64Array;
  private start = 0;
  private len = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  get length(): number { return this.len; }

  push(v: number): void {
    if (this.len < this.capacity) {
      this.buf[(this.start + this.len) % this.capacity] = v;
      this.len++;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** i-th oldest element (0 = oldest). */
  at(i: number): number {
    if (i < 0 || i >= this.len) throw new RangeError(`index ${i} outside ring of length ${this.len}`);
    return this.buf[(this.start + i) % this.capacity] ?? Number.NaN;
  }

  last(): number { return this.at(this.len - 1); }

  toArray(): number[] {
    const out = new Array<number>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.start + i) % this.capacity] ?? Number.NaN;
    return out;
  }
}
