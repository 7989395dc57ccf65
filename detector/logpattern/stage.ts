/**
 * `log_pattern` detections: what the logs say, read from each closed window's template
 * counts (MetricPoint.templates).
 *
 *   window point ─► per service: templates seen, each with its running share of the
 *                   service's traffic
 *                ├► a template at warn level or above the service never logged, whose warn
 *                │  lines over its first windows are too many to have gone unseen by chance
 *                │  (novelty.ts) ─► new_template
 *                └► a template whose count departs from its share × the window's traffic ─► burst
 *
 * The rate model is a template's share of its service's lines, not its raw count: diurnal
 * load moves every template of a service together, so the share stays put and a busy hour
 * does not read as a burst of every template (the seasonality is the service's own
 * traffic). The count in a window is judged against a negative-binomial-like spread around
 * share × traffic (variance λ + dispersion·λ²), and scored as the anomaly detector is:
 * -log10 of the upper-tail probability / 10, clipped to [0, 1].
 *
 * Clusters the miner merges (`fold`) become one template here too: the survivor takes over the
 * folded ids' share and first sight, so the lines it gains are no burst and a template seen
 * under a folded id is not new.
 */
import { stableId } from '../../core/ids.ts';
import type { StageHealth } from '../../core/stage.ts';
import type { MetricPoint, TemplateCount, TemplateMerge } from '../../ingest/types.ts';
import { log10Tail } from '../anomaly/likelihood.ts';
import type { Detection } from '../types.ts';
import type { LogPatternConfig } from './config.ts';
import { replaced } from './ledger.ts';
import { noveltyScore } from './novelty.ts';

export const LOG_PATTERN_MODEL_VERSION = 'log-pattern-v1';

interface TemplateState {
  text: string;
  firstSeen: number;
  /** Service window index at first sight and at the last update of `share`. */
  firstWindow: number;
  updatedWindow: number;
  /** Exponentially weighted share of the service's lines. */
  share: number;
  /**
   * While the template is judged as new (its first newTemplateWindows windows, after the
   * service's warm-up, until raised): the service's lines before its first sight, and its
   * warn lines since.
   */
  novelty: { before: number; warn: number } | undefined;
}

interface ServiceState {
  windows: number;
  lastWindowStart: number;
  /** Lines of the service's templates in every window seen (the points' template counts). */
  lines: number;
  templates: Map<string, TemplateState>;
}

export type LogPatternReason = 'new_template' | 'burst';

export interface LogPatternStage {
  start(): Promise<void>;
  stop(): Promise<void>;
  handle(points: MetricPoint[]): Detection[];
  /** Clusters the miner merged, in order (ingest `merges`), before the windows that follow them. */
  fold(merges: readonly TemplateMerge[]): void;
  /** Templates known per service, most recently seen first (for /api/status). */
  templates(service: string, limit?: number): Array<{ id: string; text: string; firstSeen: number; share: number }>;
  health(): StageHealth;
}

export function createLogPatternStage(config: LogPatternConfig): LogPatternStage {
  const services = new Map<string, ServiceState>();
  const raised: Record<LogPatternReason, number> = { new_template: 0, burst: 0 };
  let evicted = 0;
  let stopped = false;

  function serviceState(name: string): ServiceState {
    let s = services.get(name);
    if (s) { services.delete(name); services.set(name, s); return s; }
    s = { windows: 0, lastWindowStart: -Infinity, lines: 0, templates: new Map() };
    services.set(name, s);
    if (services.size > config.maxServices) {
      const oldest = services.keys().next().value;
      if (oldest !== undefined) { services.delete(oldest); evicted++; }
    }
    return s;
  }

  function detection(p: MetricPoint, t: TemplateCount, reason: LogPatternReason, score: number, extra: Record<string, unknown>): Detection {
    raised[reason]++;
    return {
      id: stableId('det', p.service, 'template', 'log_pattern', p.windowStart, t.id),
      service: p.service,
      metric: 'template',
      kind: 'log_pattern',
      at: p.windowStart,
      score,
      threshold: reason === 'new_template' ? config.newTemplateThreshold : config.threshold,
      evidence: {
        reason, templateId: t.id, template: t.text, count: t.count, warnCount: t.warn, windowCount: p.count,
        samples: [...t.samples], windowMs: p.windowMs, ...extra,
      },
      modelVersion: LOG_PATTERN_MODEL_VERSION,
    };
  }

  /**
   * A template in its first newTemplateWindows windows, with warn lines: raised once when they
   * are too many for a template that had gone unseen so far only by chance (novelty.ts).
   */
  function judgeNew(p: MetricPoint, t: TemplateCount, st: TemplateState, w: number, lines: number): Detection | undefined {
    const n = st.novelty;
    if (!n) return undefined;
    if (w - st.firstWindow >= config.newTemplateWindows) { st.novelty = undefined; return undefined; }
    n.warn += t.warn;
    const score = noveltyScore(n.warn, lines - n.before, n.before);
    if (score < config.newTemplateThreshold) return undefined;
    st.novelty = undefined;
    return detection(p, t, 'new_template', score, { firstSeen: st.firstSeen, warnSinceFirstSeen: n.warn, linesSinceFirstSeen: lines - n.before, linesBefore: n.before });
  }

  function judge(p: MetricPoint, s: ServiceState): Detection[] {
    const out: Detection[] = [];
    const w = s.windows;
    const total = p.count;
    const keep = (1 - config.alpha);
    const before = s.lines;
    for (const t of p.templates ?? []) s.lines += t.count;
    for (const t of p.templates ?? []) {
      const x = total > 0 ? t.count / total : 0;
      let st = s.templates.get(t.id);
      if (!st) {
        const judged = config.newTemplates && w > config.warmupWindows;
        st = { text: t.text, firstSeen: p.windowStart, firstWindow: w, updatedWindow: w, share: x, novelty: judged ? { before, warn: 0 } : undefined };
        s.templates.set(t.id, st);
        if (s.templates.size > config.maxTemplatesPerService) {
          const oldest = s.templates.keys().next().value;
          if (oldest !== undefined) s.templates.delete(oldest);
        }
        const d = judgeNew(p, t, st, w, s.lines);
        if (d) out.push(d);
        continue;
      }
      s.templates.delete(t.id);
      s.templates.set(t.id, st);
      st.text = t.text;
      const d = judgeNew(p, t, st, w, s.lines);
      if (d) out.push(d);
      // Windows the template was absent from count as zeros.
      const share = st.share * keep ** Math.max(0, w - st.updatedWindow - 1);
      if (config.bursts && w - st.firstWindow >= config.minHistory && t.count >= config.minCount && (!config.burstsWarnOnly || t.warn > 0)) {
        const expected = share * total;
        const z = (t.count - expected - 0.5) / Math.sqrt(expected + config.dispersion * expected * expected + 1);
        const score = Math.min(1, Math.max(0, -log10Tail(z) / 10));
        if (score >= config.threshold) out.push(detection(p, t, 'burst', score, { expected: Number(expected.toFixed(3)), share: Number(share.toFixed(6)), firstSeen: st.firstSeen }));
      }
      st.share = keep * share + config.alpha * x;
      st.updatedWindow = w;
    }
    return out;
  }

  return {
    async start() { stopped = false; },
    async stop() { stopped = true; },
    handle(points) {
      if (!config.enabled || stopped) return [];
      const out: Detection[] = [];
      for (const p of points) {
        const s = serviceState(p.service);
        // Windows arrive in event-time order per service; a late duplicate must not rewind the model.
        if (p.windowStart <= s.lastWindowStart) continue;
        s.lastWindowStart = p.windowStart;
        s.windows++;
        out.push(...judge(p, s));
      }
      return out;
    },
    fold(merges) {
      const keep = 1 - config.alpha;
      for (const m of merges) {
        for (const s of services.values()) {
          const parts = [...m.ids, m.into.id].map((id) => s.templates.get(id)).filter((t): t is TemplateState => t !== undefined);
          if (parts.length === 0 || (parts.length === 1 && s.templates.get(m.into.id) === parts[0])) continue;
          const updatedWindow = Math.max(...parts.map((t) => t.updatedWindow));
          const first = parts.reduce((a, t) => (t.firstWindow < a.firstWindow ? t : a));
          // Still judged as new only if every part is: one seen long enough (or raised) makes it known.
          const judged = parts.every((t) => t.novelty !== undefined);
          s.templates = replaced(s.templates, new Set(parts), m.into.id, {
            text: m.into.text, firstSeen: Math.min(...parts.map((t) => t.firstSeen)), firstWindow: first.firstWindow, updatedWindow,
            share: parts.reduce((a, t) => a + t.share * keep ** (updatedWindow - t.updatedWindow), 0),
            novelty: judged ? { before: Math.min(...parts.map((t) => t.novelty!.before)), warn: parts.reduce((a, t) => a + t.novelty!.warn, 0) } : undefined,
          });
        }
      }
    },
    templates(service, limit = 20) {
      const s = services.get(service);
      if (!s) return [];
      return [...s.templates].reverse().slice(0, limit)
        .map(([id, t]) => ({ id, text: t.text, firstSeen: t.firstSeen, share: Number(t.share.toFixed(6)) }));
    },
    health() {
      let templates = 0;
      for (const s of services.values()) templates += s.templates.size;
      return { ok: true, detail: { enabled: config.enabled, services: services.size, templates, raised: { ...raised }, evicted } };
    },
  };
}
