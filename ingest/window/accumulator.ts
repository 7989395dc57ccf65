import { DDSketch } from '@datadog/sketches-js';
import type { LogEvent, LogLevel, LogTemplate, MetricPoint, TemplateCount } from '../types.ts';
import { LEVEL_RANK } from '../clean/level.ts';

export interface SketchRange {
  min: number;
  max: number;
}

/**
 * How many requests one line stands for. A shipper that samples request logs declares the
 * rate in the line (`sample_rate`, kept by cleaning as an attribute); a line sampled at 0.1
 * is ten requests, so `count` and `errors` estimate the real request rate, not the logging
 * rate. A missing or nonsensical rate (not a number in (0, 1]) counts the line once.
 */
export function requestWeight(e: LogEvent): number {
  const r = e.attrs.sample_rate;
  return typeof r === 'number' && r > 0 && r <= 1 ? 1 / r : 1;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * One source partition's aggregate of a service's window, in transit from stage one to
 * stage two (docs/streaming.md). Mergeable: the sketch travels as its non-empty bins, so
 * merged partials hold exactly the bins (hence the quantiles) one accumulator fed every
 * event would hold. `events` counts the lines folded in: of two partials of the same
 * (source partition, service, window), the one with more events holds the other's.
 */
export interface WindowPartial {
  service: string;
  windowStart: number;
  events: number;
  count: number;
  errors: number;
  latencyCount: number;
  latencySum: number;
  latencyMax: number;
  /** null when no event carried a latency. */
  latencyMin: number | null;
  sketch: { zero: number; bins: Array<[key: number, count: number]> } | null;
  levels: Partial<Record<LogLevel, number>>;
  templates: TemplateCount[];
}

/** The running aggregate of one service's one window. */
export class WindowAccumulator {
  readonly service: string;
  readonly windowStart: number;
  private events = 0;
  private count = 0;
  private errors = 0;
  private latencyCount = 0;
  private latencySum = 0;
  private latencyMax = 0;
  private latencyMin = Infinity;
  private sketch: DDSketch | undefined;
  private readonly levels: Partial<Record<LogLevel, number>> = {};
  private readonly templates = new Map<string, TemplateCount>();

  /**
   * `range` bounds what the sketch is fed: its dense store spans every bucket between the
   * smallest and largest value, so 1e-300 and 1.7e308 in one window took ~70,000 buckets
   * (1,500 such services: +1.5 GB RSS, issue #10). Zero stays zero (its own counter).
   */
  constructor(service: string, windowStart: number, private readonly accuracy: number, private readonly range: SketchRange = { min: 0, max: Infinity }) {
    this.service = service;
    this.windowStart = windowStart;
  }

  /** Adds the event; returns true when its latency had to be clamped into the sketch's range. */
  add(e: LogEvent): boolean {
    let clamped = false;
    this.events++;
    const w = requestWeight(e);
    this.count += w;
    if (LEVEL_RANK[e.level] >= LEVEL_RANK.error || (e.status !== undefined && e.status >= 500)) this.errors += w;
    this.levels[e.level] = (this.levels[e.level] ?? 0) + 1;
    if (e.latencyMs !== undefined) {
      // The sketch is made on first use: most windows of log-only services never need one.
      this.sketch ??= new DDSketch({ relativeAccuracy: this.accuracy });
      let v = e.latencyMs;
      if (v > 0 && v < this.range.min) { v = this.range.min; clamped = true; } else if (v > this.range.max) { v = this.range.max; clamped = true; }
      this.sketch.accept(v);
      this.latencyCount++;
      this.latencySum += e.latencyMs;
      if (e.latencyMs > this.latencyMax) this.latencyMax = e.latencyMs;
      if (e.latencyMs < this.latencyMin) this.latencyMin = e.latencyMs;
    }
    if (e.template) {
      const warn = LEVEL_RANK[e.level] >= LEVEL_RANK.warn ? 1 : 0;
      const t = this.templates.get(e.template.id);
      // Keep the newest text: the cluster may have generalised since the window opened.
      if (t) {
        t.count++;
        t.warn += warn;
        t.text = e.template.text;
        if (t.samples.length < SAMPLE_LINES) t.samples.push(e.message);
      } else this.templates.set(e.template.id, { id: e.template.id, text: e.template.text, count: 1, warn, samples: [e.message] });
    }
    return clamped;
  }

  /** This window's aggregate so far, to publish (stage one). */
  toPartial(): WindowPartial {
    let sketch: WindowPartial['sketch'] = null;
    if (this.sketch) {
      const { bins, offset } = this.sketch.store;
      const out: Array<[number, number]> = [];
      bins.forEach((n, i) => { if (n > 0) out.push([i + offset, n]); });
      sketch = { zero: this.sketch.zeroCount, bins: out };
    }
    return {
      service: this.service, windowStart: this.windowStart, events: this.events, count: this.count, errors: this.errors,
      latencyCount: this.latencyCount, latencySum: this.latencySum, latencyMax: this.latencyMax,
      latencyMin: Number.isFinite(this.latencyMin) ? this.latencyMin : null, sketch,
      levels: { ...this.levels }, templates: [...this.templates.values()].map((t) => ({ ...t, samples: [...t.samples] })),
    };
  }

  /**
   * Stage two: one window made of source partitions' partials, folded in the order given
   * (callers sort by source partition, so a float sum comes out the same every time).
   */
  static merged(service: string, windowStart: number, accuracy: number, range: SketchRange, parts: readonly WindowPartial[]): WindowAccumulator {
    const acc = new WindowAccumulator(service, windowStart, accuracy, range);
    let templates: TemplateCount[] = [];
    for (const p of parts) {
      acc.events += p.events;
      acc.count += p.count;
      acc.errors += p.errors;
      acc.latencyCount += p.latencyCount;
      acc.latencySum += p.latencySum;
      if (p.latencyMax > acc.latencyMax) acc.latencyMax = p.latencyMax;
      if (p.latencyMin !== null && p.latencyMin < acc.latencyMin) acc.latencyMin = p.latencyMin;
      if (p.sketch) {
        const s = (acc.sketch ??= new DDSketch({ relativeAccuracy: accuracy }));
        // The cleaner refuses negative latencies: positive bins and zeros are all there is.
        let n = p.sketch.zero;
        for (const [key, c] of p.sketch.bins) { s.store.add(key, c); n += c; }
        s.zeroCount += p.sketch.zero;
        s.count += n;
      }
      for (const [level, n] of Object.entries(p.levels) as Array<[LogLevel, number]>) acc.levels[level] = (acc.levels[level] ?? 0) + n;
      templates = mergeTemplateCounts(templates, p.templates);
    }
    for (const t of templates) acc.templates.set(t.id, t);
    return acc;
  }

  /** Sketch buckets can land up to the relative accuracy outside the seen range; clamp. */
  private quantile(s: DDSketch, q: number): number {
    return Math.min(this.latencyMax, Math.max(this.latencyMin, s.getValueAtQuantile(q)));
  }

  point(windowMs: number, topTemplates: number, maxTemplates = Infinity): MetricPoint {
    const s = this.sketch;
    const ranked = [...this.templates.values()].sort(byCount);
    return {
      service: this.service,
      windowStart: this.windowStart,
      windowMs,
      count: round3(this.count),
      errors: round3(this.errors),
      errorRate: this.count === 0 ? 0 : this.errors / this.count,
      latency: s && this.latencyCount > 0
        ? {
          p50: this.quantile(s, 0.5),
          p95: this.quantile(s, 0.95),
          p99: this.quantile(s, 0.99),
          max: this.latencyMax,
          mean: this.latencySum / this.latencyCount,
        }
        : null,
      latencyCount: this.latencyCount,
      levels: { ...this.levels },
      topTemplates: ranked.slice(0, topTemplates).map((t) => ({ id: t.id, text: t.text, count: t.count })),
      templates: ranked.slice(0, maxTemplates).map((t) => ({ ...t, samples: [...t.samples] })),
    };
  }
}

/** Sample messages kept per template and window. */
export const SAMPLE_LINES = 3;

const byCount = (a: TemplateCount, b: TemplateCount): number => b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Merges two partials' template counts of the same service and window (counts add, samples fill up). */
export function mergeTemplateCounts(a: readonly TemplateCount[], b: readonly TemplateCount[]): TemplateCount[] {
  const out = new Map<string, TemplateCount>(a.map((t) => [t.id, { ...t, samples: [...t.samples] }]));
  for (const t of b) {
    const m = out.get(t.id);
    if (!m) { out.set(t.id, { ...t, samples: [...t.samples] }); continue; }
    m.count += t.count;
    m.warn += t.warn;
    for (const s of t.samples) if (m.samples.length < SAMPLE_LINES) m.samples.push(s);
  }
  return [...out.values()].sort(byCount);
}

/**
 * A window's template counts under the ids the miner stands by now: counts of a cluster merged
 * into another (before the window closed, or since) join the survivor's, with the miner's current
 * text (`current(id)`: the live template an id resolves to; undefined once evicted, and the id is
 * kept as it is). Undefined when no id changed: the common case allocates nothing.
 */
export function resolveTemplateCounts(ts: readonly TemplateCount[], current: (id: string) => LogTemplate | undefined): TemplateCount[] | undefined {
  let changed = false;
  for (const t of ts) {
    const live = current(t.id);
    if (live !== undefined && live.id !== t.id) { changed = true; break; }
  }
  if (!changed) return undefined;
  const out = new Map<string, TemplateCount>();
  for (const t of ts) {
    const live = current(t.id);
    const id = live?.id ?? t.id;
    const m = out.get(id);
    if (!m) {
      out.set(id, { ...t, id, text: live?.text ?? t.text, samples: [...t.samples] });
      continue;
    }
    m.count += t.count;
    m.warn += t.warn;
    for (const s of t.samples) if (m.samples.length < SAMPLE_LINES) m.samples.push(s);
  }
  return [...out.values()].sort(byCount);
}

/** A closed window's point with its template counts under their current ids (itself when none moved); `top` as ingest.topTemplates. */
export function resolvePointTemplates(p: MetricPoint, current: (id: string) => LogTemplate | undefined, top: number): MetricPoint {
  const templates = p.templates && resolveTemplateCounts(p.templates, current);
  if (!templates) return p;
  return { ...p, templates, topTemplates: templates.slice(0, top).map((t) => ({ id: t.id, text: t.text, count: t.count })) };
}

export function emptyPoint(service: string, windowStart: number, windowMs: number): MetricPoint {
  return { service, windowStart, windowMs, count: 0, errors: 0, errorRate: 0, latency: null, latencyCount: 0, levels: {}, topTemplates: [], templates: [] };
}
