/**
 * What the status page's charts draw, kept in bounded memory: per service a ring buffer of
 * closed windows (p95, SLO, the forecast made at that window for its horizon), one of
 * markers (predicted breaches, actions) and one of replica changes, plus the latest
 * published forecast path. Services beyond `maxServices` are not charted (counted in
 * `dropped`), so a flood of service names cannot grow memory without bound.
 *
 * Everything is in event time, like the rest of the pipeline: "the last hour" is the hour
 * before the watermark, whether the source is live or a replay.
 */
import { ColumnRing } from '../core/columns.ts';
import type { Detection } from '../detector/types.ts';
import type { MetricRecord } from '../remediator/types.ts';
import type { ActionRecord } from '../remediator/types.ts';
import type { Forecast } from '../models/types.ts';

export interface SeriesOptions {
  /** Windows kept per service (1440 one-minute windows = a day). */
  windows: number;
  /** Markers (detections, actions) and replica changes kept per service. */
  events: number;
  maxServices: number;
}

export const DEFAULT_SERIES_OPTIONS: SeriesOptions = Object.freeze({ windows: 1440, events: 200, maxServices: 500 });

export interface WindowSample {
  /** Window end (event time, ms): the moment the window's numbers are known. */
  t: number;
  p95: number | null;
  count: number;
  errorRate: number;
  slo: number | null;
  /** The forecast made at `t` for `t + horizonMs`. */
  forecast: { horizonMs: number; p10: number | null; p50: number; p90: number | null } | null;
}

export interface Marker {
  t: number;
  kind: string;
  /** For breaches: when the breach is predicted, and the lead time. */
  predictedBreachAt?: number;
  leadTimeMs?: number;
  score?: number;
  /** For actions. */
  status?: string;
  guardrail?: string;
  actionId?: string;
}

export interface ReplicaStep {
  t: number;
  replicas: number;
}

export interface ForecastPath {
  origin: number;
  t: number[];
  p10: Array<number | null>;
  p50: number[];
  p90: Array<number | null>;
  forecaster: string;
}

/** A fixed-capacity FIFO: pushing past capacity overwrites the oldest. */
export class Ring<T> {
  private readonly buf: T[] = [];
  private head = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  push(v: T): void {
    if (this.buf.length < this.capacity) this.buf.push(v);
    else { this.buf[this.head] = v; this.head = (this.head + 1) % this.capacity; }
  }

  get size(): number { return this.buf.length; }

  /** Oldest first. */
  toArray(): T[] {
    return this.head === 0 ? this.buf.slice() : [...this.buf.slice(this.head), ...this.buf.slice(0, this.head)];
  }

  last(): T | undefined {
    if (this.buf.length === 0) return undefined;
    return this.buf[(this.head + this.buf.length - 1) % this.buf.length];
  }
}

/**
 * The windows of one service, one Float64Array per field (null as NaN) instead of one
 * object per window: 72 bytes a window instead of ~230 (an object, its forecast object and
 * their boxed doubles), and nothing for the GC to trace. Same FIFO semantics as Ring: at
 * `capacity` the oldest is overwritten. The columns grow by doubling up to the capacity, so
 * a service seen for an hour costs an hour, not a day.
 */
export class WindowRing {
  /** t, p95, count, errorRate, slo, horizonMs, p10, p50, p90 (NaN: null / no forecast). */
  private readonly ring: ColumnRing;
  /** The row being pushed (reused: no allocation per window). */
  private readonly row = new Float64Array(9);

  constructor(capacity: number) {
    this.ring = new ColumnRing(9, capacity, 64);
  }

  get capacity(): number { return this.ring.capacity; }

  get size(): number { return this.ring.size; }

  /** Bytes held by the columns (for tests and the memory notes). */
  get bytes(): number { return this.ring.bytes; }

  push(w: WindowSample): void {
    const f = w.forecast;
    const r = this.row;
    r[0] = w.t; r[1] = w.p95 ?? NaN; r[2] = w.count; r[3] = w.errorRate; r[4] = w.slo ?? NaN;
    r[5] = f ? f.horizonMs : NaN; r[6] = f?.p10 ?? NaN; r[7] = f ? f.p50 : NaN; r[8] = f?.p90 ?? NaN;
    this.ring.push(r);
  }

  /** The i-th oldest window. */
  at(i: number): WindowSample {
    const c = (k: number): number => this.ring.get(k, i);
    const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
    return {
      t: c(0), p95: orNull(c(1)), count: c(2), errorRate: c(3), slo: orNull(c(4)),
      forecast: Number.isNaN(c(5)) ? null : { horizonMs: c(5), p10: orNull(c(6)), p50: c(7), p90: orNull(c(8)) },
    };
  }

  /** Window end and p95 of the i-th oldest window, without building a sample. */
  tAt(i: number): number { return this.ring.get(0, i); }
  p95At(i: number): number | null {
    const x = this.ring.get(1, i);
    return Number.isNaN(x) ? null : x;
  }

  /** Oldest first, windows ending within [from, to]. */
  range(from: number, to: number): WindowSample[] {
    const out: WindowSample[] = [];
    for (let i = 0; i < this.size; i++) { const t = this.tAt(i); if (t >= from && t <= to) out.push(this.at(i)); }
    return out;
  }

  last(): WindowSample | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1);
  }
}

interface ServiceSeries {
  windows: WindowRing;
  markers: Ring<Marker>;
  replicas: Ring<ReplicaStep>;
  path: ForecastPath | null;
}

export interface SeriesResponse {
  service: string;
  from: number;
  to: number;
  windows: WindowSample[];
  markers: Marker[];
  /** Replica steps in range, preceded by the last one before it (the level the range starts at). */
  replicas: ReplicaStep[];
  forecast: ForecastPath | null;
}

export interface OverviewEntry {
  service: string;
  p95: number | null;
  slo: number | null;
  /** p95 over the range, at most `points` values (max per bucket, so spikes survive). */
  spark: Array<number | null>;
  breaches: number;
  actions: number;
  replicas: number | null;
}

/** Replica counts an action leaves the target at, when it changes them. */
function replicasAfter(a: ActionRecord): number | undefined {
  if (a.status === 'suppressed' || a.status === 'failed') return undefined;
  if (a.status === 'rolled_back') return a.params.fromReplicas;
  return a.params.toReplicas;
}

export class SeriesStore {
  private readonly opts: SeriesOptions;
  private readonly services = new Map<string, ServiceSeries>();
  /** Services not charted because `maxServices` was reached. */
  dropped = 0;
  /** Newest event time seen (the watermark the page's "last hour" counts back from). */
  now = 0;

  constructor(opts: Partial<SeriesOptions> = {}) {
    this.opts = { ...DEFAULT_SERIES_OPTIONS, ...opts };
  }

  private series(service: string): ServiceSeries | undefined {
    let s = this.services.get(service);
    if (!s) {
      if (this.services.size >= this.opts.maxServices) { this.dropped++; return undefined; }
      s = { windows: new WindowRing(this.opts.windows), markers: new Ring(this.opts.events), replicas: new Ring(this.opts.events), path: null };
      this.services.set(service, s);
    }
    return s;
  }

  addWindow(r: MetricRecord, published: Forecast | null): void {
    const s = this.series(r.service);
    if (!s) return;
    const t = r.windowStart + r.windowMs;
    this.now = Math.max(this.now, t);
    s.windows.push({
      t, p95: r.latency?.p95 ?? null, count: r.count, errorRate: r.errorRate, slo: r.sloP95Ms ?? null,
      forecast: r.forecast ? { horizonMs: r.forecast.horizonMs, p10: r.forecast.p10 ?? null, p50: r.forecast.p50, p90: r.forecast.p90 ?? null } : null,
    });
    if (published) {
      const p50 = published.paths.p50 ?? [];
      const t0 = published.origin;
      s.path = {
        origin: t0, forecaster: published.forecaster,
        t: p50.map((_, i) => t0 + (i + 1) * published.stepMs), p50,
        p10: p50.map((_, i) => published.paths.p10?.[i] ?? null), p90: p50.map((_, i) => published.paths.p90?.[i] ?? null),
      };
    }
  }

  addDetection(d: Detection): void {
    const s = this.series(d.service);
    if (!s) return;
    const m: Marker = { t: d.at, kind: d.kind, score: d.score };
    if (d.predictedBreachAt !== undefined) m.predictedBreachAt = d.predictedBreachAt;
    if (d.leadTimeMs !== undefined) m.leadTimeMs = d.leadTimeMs;
    s.markers.push(m);
  }

  addAction(a: ActionRecord): void {
    const s = this.series(a.service);
    if (!s) return;
    const t = Date.parse(a['@timestamp']);
    // A later state of an action already drawn updates its marker rather than adding one.
    const seen = s.markers.toArray().find((x) => x.actionId === a.actionId);
    if (seen) { seen.status = a.status; if (a.guardrail) seen.guardrail = a.guardrail; } else {
      const m: Marker = { t, kind: a.kind, status: a.status, actionId: a.actionId };
      if (a.guardrail) m.guardrail = a.guardrail;
      s.markers.push(m);
    }
    const to = replicasAfter(a);
    if (to === undefined) return;
    // The level before the first change is known from the action itself.
    if (s.replicas.size === 0 && a.params.fromReplicas !== undefined) s.replicas.push({ t: t - 1, replicas: a.params.fromReplicas });
    if (s.replicas.last()?.replicas !== to) s.replicas.push({ t, replicas: to });
  }

  list(): string[] {
    return [...this.services.keys()].sort();
  }

  get(service: string, from: number, to: number): SeriesResponse | undefined {
    const s = this.services.get(service);
    if (!s) return undefined;
    const inRange = <T extends { t: number }>(xs: T[]): T[] => xs.filter((x) => x.t >= from && x.t <= to);
    const steps = s.replicas.toArray();
    const before = steps.filter((x) => x.t < from).at(-1);
    return {
      service, from, to,
      windows: s.windows.range(from, to),
      markers: inRange(s.markers.toArray()),
      replicas: [...(before ? [before] : []), ...inRange(steps)],
      forecast: s.path,
    };
  }

  overview(from: number, to: number, points: number): OverviewEntry[] {
    const out: OverviewEntry[] = [];
    const width = Math.max(1, (to - from) / points);
    for (const service of this.list()) {
      const s = this.services.get(service)!;
      const spark: Array<number | null> = new Array<number | null>(points).fill(null);
      for (let k = 0; k < s.windows.size; k++) {
        const t = s.windows.tAt(k);
        const p95 = s.windows.p95At(k);
        if (t < from || t > to || p95 === null) continue;
        const i = Math.min(points - 1, Math.floor((t - from) / width));
        spark[i] = Math.max(spark[i] ?? -Infinity, p95);
      }
      const last = s.windows.last();
      const ms = s.markers.toArray().filter((m) => m.t >= from && m.t <= to);
      out.push({
        service, p95: last?.p95 ?? null, slo: last?.slo ?? null, spark,
        breaches: ms.filter((m) => m.kind === 'predicted_breach').length,
        actions: ms.filter((m) => m.status !== undefined).length,
        replicas: s.replicas.last()?.replicas ?? null,
      });
    }
    return out;
  }
}
