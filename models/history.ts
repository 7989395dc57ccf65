import type { SeriesPoint } from './types.ts';

const FIELDS = 5;

/**
 * A service's recent points (the warm-up of a newly loaded model, the retrain worker's
 * history), newest `capacity` kept: one Float64Array per field (t, value, throughput,
 * errorRate, warnRate; an absent covariate as NaN), 40 bytes a point instead of ~120 for a
 * SeriesPoint object and its boxed doubles. The columns grow by doubling up to the capacity.
 */
export class SeriesHistory {
  private cols: Float64Array[];
  private head = 0;
  private n = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
    this.cols = SeriesHistory.alloc(Math.min(this.capacity, 32));
  }

  private static alloc(len: number): Float64Array[] {
    return Array.from({ length: FIELDS }, () => new Float64Array(len));
  }

  private get len(): number { return (this.cols[0] as Float64Array).length; }

  get size(): number { return this.n; }

  /** Bytes held by the columns. */
  get bytes(): number { return this.len * 8 * FIELDS; }

  push(p: SeriesPoint): void {
    if (this.n === this.len && this.len < this.capacity) {
      // Not full yet, so the points are in order from 0: grow by copying.
      const next = SeriesHistory.alloc(Math.min(this.capacity, this.len * 2));
      next.forEach((c, k) => c.set(this.cols[k] as Float64Array));
      this.cols = next;
    }
    const len = this.len;
    const i = this.n < len ? this.n : this.head;
    const c = this.cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    c[0][i] = p.t;
    c[1][i] = p.value;
    c[2][i] = p.throughput ?? NaN;
    c[3][i] = p.errorRate ?? NaN;
    c[4][i] = p.warnRate ?? NaN;
    if (this.n < len) this.n++;
    else this.head = (this.head + 1) % len;
  }

  private at(i: number): SeriesPoint {
    const j = (this.head + i) % this.len;
    const c = this.cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const p: SeriesPoint = { t: c[0][j] as number, value: c[1][j] as number };
    const tp = c[2][j] as number;
    const er = c[3][j] as number;
    const wr = c[4][j] as number;
    if (!Number.isNaN(tp)) p.throughput = tp;
    if (!Number.isNaN(er)) p.errorRate = er;
    if (!Number.isNaN(wr)) p.warnRate = wr;
    return p;
  }

  /** The newest `count` points (all when omitted), oldest first. */
  toArray(count = this.n): SeriesPoint[] {
    const from = Math.max(0, this.n - count);
    const out: SeriesPoint[] = [];
    for (let i = from; i < this.n; i++) out.push(this.at(i));
    return out;
  }
}
