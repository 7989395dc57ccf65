import { ColumnRing } from '../core/columns.ts';
import type { SeriesPoint } from './types.ts';

const FIELDS = 5;

/**
 * A service's recent points (the warm-up of a newly loaded model, the retrain worker's
 * history), newest `capacity` kept: one Float64Array per field (t, value, throughput,
 * errorRate, warnRate; an absent covariate as NaN), 40 bytes a point instead of ~120 for a
 * SeriesPoint object and its boxed doubles. The columns grow by doubling up to the capacity.
 */
export class SeriesHistory {
  private readonly ring: ColumnRing;
  /** The row being pushed (reused: no allocation per point). */
  private readonly row = new Float64Array(FIELDS);

  constructor(capacity: number) {
    this.ring = new ColumnRing(FIELDS, capacity, 32);
  }

  get capacity(): number { return this.ring.capacity; }

  get size(): number { return this.ring.size; }

  /** Bytes held by the columns. */
  get bytes(): number { return this.ring.bytes; }

  push(p: SeriesPoint): void {
    const r = this.row;
    r[0] = p.t;
    r[1] = p.value;
    r[2] = p.throughput ?? NaN;
    r[3] = p.errorRate ?? NaN;
    r[4] = p.warnRate ?? NaN;
    this.ring.push(r);
  }

  private at(i: number): SeriesPoint {
    const g = this.ring;
    const p: SeriesPoint = { t: g.get(0, i), value: g.get(1, i) };
    const tp = g.get(2, i);
    const er = g.get(3, i);
    const wr = g.get(4, i);
    if (!Number.isNaN(tp)) p.throughput = tp;
    if (!Number.isNaN(er)) p.errorRate = er;
    if (!Number.isNaN(wr)) p.warnRate = wr;
    return p;
  }

  /** The newest `count` points (all when omitted), oldest first. */
  toArray(count = this.size): SeriesPoint[] {
    const n = this.size;
    const from = Math.max(0, n - count);
    const out: SeriesPoint[] = [];
    for (let i = from; i < n; i++) out.push(this.at(i));
    return out;
  }
}
