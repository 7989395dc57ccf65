import type { SeriesPoint } from '../types.ts';
import type { Transform } from './transform.ts';

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

/**
 * The recent history a window-fitting forecaster needs: the last `capacity` observations
 * in transformed space, plus the newest raw observation, which anchors the inverse
 * transform so a flat fit maps back to exactly the last value.
 */
export class TransformedWindow {
  readonly values: RingBuffer;
  seen = 0;
  lastT = 0;
  lastRaw = 0;
  lastZ = 0;

  constructor(readonly transform: Transform, capacity: number) {
    this.values = new RingBuffer(capacity);
  }

  /** Adds one observation; non-finite values are ignored. */
  observe(point: SeriesPoint): void {
    if (!Number.isFinite(point.value)) return;
    const z = this.transform.forward(point.value);
    this.values.push(z);
    this.seen++;
    this.lastT = point.t;
    this.lastRaw = point.value;
    this.lastZ = z;
  }

  /** The raw value of a transformed level, anchored on the newest observation. */
  rawOf(z: number): number {
    return z === this.lastZ ? this.lastRaw : this.transform.inverse(z, this.lastRaw, this.lastZ);
  }
}
