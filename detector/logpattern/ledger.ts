/**
 * What each service's logs have said, template by template: first and last window seen,
 * lines in the latest window, lines since start, and a running share of the service's
 * lines. Always kept (whatever `detector.logPattern` switches on), bounded like the
 * log_pattern stage, so that
 *
 *   closed window ─► ledger ─┬► Elasticsearch `<prefix>-templates-v2` (first seen per template)
 *                            ├► /api/status and the status page (templates per service)
 *                            └► evidence of latency detections (the service's surging and top templates)
 *
 * When the miner merges clusters (`fold`), a folded id's history joins the survivor's: one
 * template, as if its lines had carried the survivor's id all along.
 *
 * Pure: no I/O, state only from the windows and merges it is shown, in event-time order per service.
 */
import type { MetricPoint, TemplateMerge } from '../../ingest/types.ts';

export interface KnownTemplate {
  id: string;
  text: string;
  /** Window start of the first and the latest window the service logged it in. */
  firstSeen: number;
  lastSeen: number;
  /** Lines in the latest window it was seen in, and of those at warn level or above. */
  count: number;
  warn: number;
  /** Lines since the ledger first saw it. */
  total: number;
}

/** A template of the service's latest window, as evidence: its count against what its history expected. */
export interface TemplateEvidence {
  id: string;
  text: string;
  count: number;
  warn: number;
  /** Running share of the service's lines before this window × the window's lines (0 for a template never seen). */
  expected: number;
  /** (count − expected) / √(expected + 1): how far it surged above its own history. */
  surge: number;
}

export interface TemplateLedgerOptions {
  maxServices: number;
  maxTemplatesPerService: number;
  /** Weight of each window in a template's running share (as detector.logPattern.alpha). */
  alpha: number;
  /** Templates listed as evidence of a detection. */
  evidenceTemplates?: number;
  /** `surge` from which a template counts as surging rather than merely frequent. */
  surgeAt?: number;
  /** Windows of a service before any of its templates can surge (as detector.logPattern.warmupWindows). */
  warmupWindows?: number;
}

interface Entry extends KnownTemplate {
  share: number;
  /** Service window index at the last update of `share`. */
  updated: number;
}

interface ServiceEntry {
  windows: number;
  lastWindowStart: number;
  templates: Map<string, Entry>;
  evidence: TemplateEvidence[];
  /** Highest surge of a warn-level template in the latest window (0 during warm-up). */
  warnSurge: number;
}

export class TemplateLedger {
  private readonly services = new Map<string, ServiceEntry>();
  private readonly o: Required<TemplateLedgerOptions>;

  constructor(o: TemplateLedgerOptions) {
    this.o = { evidenceTemplates: 3, surgeAt: 2, warmupWindows: 10, ...o };
  }

  get size(): number { return this.services.size; }

  /**
   * Takes a closed window's template counts; returns each template's first-seen time (the
   * window start of the first window of the service it appeared in). A window at or before
   * the service's latest is a late duplicate: nothing changes, first-seen times are still given.
   */
  observe(p: MetricPoint): Map<string, number> {
    const firstSeen = new Map<string, number>();
    const s = this.service(p.service);
    const fresh = p.windowStart > s.lastWindowStart;
    if (!fresh) {
      for (const t of p.templates ?? []) firstSeen.set(t.id, s.templates.get(t.id)?.firstSeen ?? p.windowStart);
      return firstSeen;
    }
    s.lastWindowStart = p.windowStart;
    const w = ++s.windows;
    const keep = 1 - this.o.alpha;
    const total = p.count > 0 ? p.count : (p.templates ?? []).reduce((a, t) => a + t.count, 0);
    const evidence: TemplateEvidence[] = [];
    for (const t of p.templates ?? []) {
      const x = total > 0 ? t.count / total : 0;
      let e = s.templates.get(t.id);
      if (e) s.templates.delete(t.id);
      // Windows the template was absent from count as zeros.
      const before = e ? e.share * keep ** Math.max(0, w - e.updated - 1) : 0;
      const expected = before * total;
      evidence.push({ id: t.id, text: t.text, count: t.count, warn: t.warn, expected: Number(expected.toFixed(3)), surge: Number(((t.count - expected) / Math.sqrt(expected + 1)).toFixed(3)) });
      const isNew = !e;
      e ??= { id: t.id, text: t.text, firstSeen: p.windowStart, lastSeen: p.windowStart, count: 0, warn: 0, total: 0, share: 0, updated: w };
      e.text = t.text;
      e.lastSeen = p.windowStart;
      e.count = t.count;
      e.warn = t.warn;
      e.total += t.count;
      e.share = isNew ? x : keep * before + this.o.alpha * x;
      e.updated = w;
      // Most recently seen last: the first keys are the ones to forget.
      s.templates.set(t.id, e);
      firstSeen.set(t.id, e.firstSeen);
    }
    this.forget(s, p.windowStart);
    // Everything is new to a service just seen: nothing surges during its warm-up.
    const warm = w > this.o.warmupWindows;
    s.evidence = pickEvidence(evidence, this.o.evidenceTemplates, warm ? this.o.surgeAt : Infinity);
    s.warnSurge = 0;
    if (warm) for (const e of evidence) if (e.warn > 0 && e.surge > s.warnSurge) s.warnSurge = e.surge;
    return firstSeen;
  }

  /**
   * Clusters the miner merged, in order: in every service that logged a folded id, its entry
   * and the survivor's become one under the survivor's id and text. Shares add (each decayed to
   * the later of their updates: a running share is linear in the window shares), totals add,
   * first seen is the earlier, last seen the later (with that window's lines, summed when both
   * were seen in it), and the entry takes the place of whichever was seen last. The latest
   * window's evidence is renamed and combined the same way.
   */
  fold(merges: readonly TemplateMerge[]): void {
    const keep = 1 - this.o.alpha;
    for (const m of merges) {
      for (const s of this.services.values()) {
        const parts = [...m.ids, m.into.id].map((id) => s.templates.get(id)).filter((e): e is Entry => e !== undefined);
        if (parts.length === 0 || (parts.length === 1 && parts[0]!.id === m.into.id)) continue;
        const updated = Math.max(...parts.map((e) => e.updated));
        const lastSeen = Math.max(...parts.map((e) => e.lastSeen));
        const latest = parts.filter((e) => e.lastSeen === lastSeen);
        const one: Entry = {
          id: m.into.id, text: m.into.text,
          firstSeen: Math.min(...parts.map((e) => e.firstSeen)), lastSeen,
          count: latest.reduce((a, e) => a + e.count, 0), warn: latest.reduce((a, e) => a + e.warn, 0),
          total: parts.reduce((a, e) => a + e.total, 0),
          share: parts.reduce((a, e) => a + e.share * keep ** (updated - e.updated), 0), updated,
        };
        s.templates = replaced(s.templates, new Set(parts), m.into.id, one);
        s.evidence = foldEvidence(s.evidence, new Set(m.ids), m.into);
      }
    }
  }

  /**
   * The service's templates: those of its latest window (most lines first), then the rest
   * by when they were last seen (newest first).
   */
  list(service: string, limit = 20): KnownTemplate[] {
    const s = this.services.get(service);
    if (!s) return [];
    const all = [...s.templates.values()];
    const latest = all.filter((e) => e.lastSeen === s.lastWindowStart).sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
    const older = all.filter((e) => e.lastSeen !== s.lastWindowStart).reverse();
    return [...latest, ...older].slice(0, limit).map(({ share: _s, updated: _u, ...k }) => k);
  }

  /** The service's latest window's templates that surged above their own history, then its most frequent ones. */
  evidence(service: string): TemplateEvidence[] {
    return this.services.get(service)?.evidence.map((e) => ({ ...e })) ?? [];
  }

  /**
   * Beyond the cap, templates not in the latest window go first, least recently seen first;
   * then, only if the window alone holds more than the cap, its templates with fewest lines.
   */
  private forget(s: ServiceEntry, windowStart: number): void {
    const max = this.o.maxTemplatesPerService;
    for (const [id, e] of s.templates) {
      if (s.templates.size <= max || e.lastSeen === windowStart) break;
      s.templates.delete(id);
    }
    if (s.templates.size <= max) return;
    const fewest = [...s.templates.values()].sort((a, b) => a.count - b.count || a.firstSeen - b.firstSeen || a.id.localeCompare(b.id));
    for (const e of fewest.slice(0, s.templates.size - max)) s.templates.delete(e.id);
  }

  /**
   * How far the service's warn-level templates surged above their own history in its latest
   * window: the highest `surge` among templates with warn lines (GC pauses, pool exhausted,
   * retries, timeouts), 0 when none did or the service is still warming up.
   */
  warnSurge(service: string): number {
    return this.services.get(service)?.warnSurge ?? 0;
  }

  private service(name: string): ServiceEntry {
    let s = this.services.get(name);
    if (s) { this.services.delete(name); this.services.set(name, s); return s; }
    s = { windows: 0, lastWindowStart: -Infinity, templates: new Map(), evidence: [], warnSurge: 0 };
    this.services.set(name, s);
    if (this.services.size > this.o.maxServices) {
      const oldest = this.services.keys().next().value;
      if (oldest !== undefined) this.services.delete(oldest);
    }
    return s;
  }
}

/**
 * `map` with the entries `parts` replaced by one entry under `id`, where the last of them (the
 * most recently seen: the map's order is recency) stood.
 */
export function replaced<T>(map: Map<string, T>, parts: ReadonlySet<T>, id: string, one: T): Map<string, T> {
  let last: T | undefined;
  for (const e of map.values()) if (parts.has(e)) last = e;
  const out = new Map<string, T>();
  for (const [k, e] of map) {
    if (e === last) out.set(id, one);
    else if (!parts.has(e)) out.set(k, e);
  }
  return out;
}

function foldEvidence(evidence: TemplateEvidence[], ids: ReadonlySet<string>, into: { id: string; text: string }): TemplateEvidence[] {
  if (!evidence.some((e) => ids.has(e.id))) return evidence;
  const out: TemplateEvidence[] = [];
  for (const e of evidence) {
    const id = ids.has(e.id) ? into.id : e.id;
    const m = out.find((o) => o.id === id);
    if (!m) { out.push({ ...e, id, text: id === into.id ? into.text : e.text }); continue; }
    m.count += e.count;
    m.warn += e.warn;
    m.expected = Number((m.expected + e.expected).toFixed(3));
    m.surge = Number(((m.count - m.expected) / Math.sqrt(m.expected + 1)).toFixed(3));
  }
  return out;
}

/** Surging templates first (most surge first), the window's most frequent filling the rest. */
function pickEvidence(all: TemplateEvidence[], n: number, surgeAt: number): TemplateEvidence[] {
  const surging = all.filter((e) => e.surge >= surgeAt).sort((a, b) => b.surge - a.surge || b.count - a.count || a.id.localeCompare(b.id)).slice(0, n);
  const chosen = new Set(surging.map((e) => e.id));
  const top = all.filter((e) => !chosen.has(e.id)).sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)).slice(0, n - surging.length);
  return [...surging, ...top];
}
