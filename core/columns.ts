/**
 * A bounded FIFO of fixed-width numeric records kept as one Float64Array per field (an
 * absent value is NaN): 8 bytes a field instead of an object and its boxed doubles, and
 * nothing for the GC to trace. The columns start at `initial` records and grow by doubling
 * up to `capacity`, so a short history costs what it holds; at capacity the oldest record is
 * overwritten. The status page's chart windows (dashboards/series.ts) and each model's recent
 * points (models/history.ts) are kept this way.
 */
export class ColumnRing {
  private cols: Float64Array[];
  private head = 0;
  private n = 0;
  readonly fields: number;
  readonly capacity: number;

  constructor(fields: number, capacity: number, initial: number) {
    this.fields = fields;
    this.capacity = Math.max(1, capacity);
    this.cols = this.alloc(Math.min(this.capacity, Math.max(1, initial)));
  }

  private alloc(len: number): Float64Array[] {
    return Array.from({ length: this.fields }, () => new Float64Array(len));
  }

  private get len(): number { return (this.cols[0] as Float64Array).length; }

  get size(): number { return this.n; }

  /** Bytes held by the columns. */
  get bytes(): number { return this.len * 8 * this.fields; }

  /** Appends one record, its values in field order. */
  push(values: ArrayLike<number>): void {
    if (this.n === this.len && this.len < this.capacity) {
      // Not full yet, so the records are in order from 0: grow by copying.
      const next = this.alloc(Math.min(this.capacity, this.len * 2));
      next.forEach((c, k) => c.set(this.cols[k] as Float64Array));
      this.cols = next;
    }
    const len = this.len;
    const i = this.n < len ? this.n : this.head;
    for (let k = 0; k < this.fields; k++) (this.cols[k] as Float64Array)[i] = values[k] as number;
    if (this.n < len) this.n++;
    else this.head = (this.head + 1) % len;
  }

  /** Field `k` of the i-th oldest record (0 ≤ i < size). */
  get(k: number, i: number): number {
    return (this.cols[k] as Float64Array)[(this.head + i) % this.len] as number;
  }
}
