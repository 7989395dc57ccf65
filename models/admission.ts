import type { MetricPoint } from '../ingest/types.ts';

/**
 * Who gets one of the `maxServices` forecasting slots. A slot used to go to the first
 * `maxServices` names seen, for good: 1,000 junk names at the start of a file left every
 * real service unforecast (0 predicted breaches instead of 16, issue #10). Now a service
 * earns a slot only after `minWindowsForSlot` windows with events, and when the slots are
 * full the one idle longest (no events for `evictIdleWindows` windows) gives its slot up.
 *
 * Until admitted, a service is a candidate: its points are kept (bounded) so that on admission its
 * forecasters see the same history as if it had had a slot from the start. Candidates
 * are bounded too (10 per slot; the one with the oldest traffic forgotten first), so a
 * flood of one-line names costs a fixed amount of memory.
 */

export interface AdmissionConfig {
  maxServices: number;
  minWindowsForSlot: number;
  evictIdleWindows: number;
  stepMs: number;
}

/** What the forecasting stage knows about the services that hold a slot. */
export interface Slots {
  readonly size: number;
  /** Each slot holder with the start of its latest window with events. */
  lastActive(): Iterable<[string, number]>;
}

export type Admission =
  | { kind: 'admitted'; history: MetricPoint[]; evicted?: { service: string; lastActive: number } }
  | { kind: 'candidate' }
  | { kind: 'refused' };

interface Candidate {
  traffic: number;
  /** Start of its latest window with events. */
  lastTraffic: number;
  history: MetricPoint[];
}

/** Candidates remembered per slot: each costs a few points, so a flood of names stays small. */
const CANDIDATES_PER_SLOT = 10;

/** Points kept per candidate: more than any forecaster's minimum history needs. */
const MAX_HISTORY = 256;

function keep(c: Candidate, p: MetricPoint): void {
  c.history.push(p);
  if (c.history.length > MAX_HISTORY + (MAX_HISTORY >> 2)) c.history.splice(0, c.history.length - MAX_HISTORY);
}

export class ServiceAdmission {
  private readonly candidates = new Map<string, Candidate>();
  evictions = 0;
  refusals = 0;

  constructor(private readonly cfg: AdmissionConfig, private readonly slots: Slots) {}

  get waiting(): number {
    return this.candidates.size;
  }

  /** A point of a service without a slot: admit it, keep it waiting, or refuse it. */
  offer(point: MetricPoint): Admission {
    let c = this.candidates.get(point.service);
    if (!c) {
      // Zeros of a service we do not remember: nothing worth remembering.
      if (point.count === 0) return { kind: 'candidate' };
      if (this.candidates.size >= this.cfg.maxServices * CANDIDATES_PER_SLOT) {
        // The first entry is the one whose latest traffic is oldest. If even it had traffic
        // in this window, the newcomer is not remembered (it tries again next window):
        // evicting would thrash, each name pushed out just before it comes back, which with
        // 1,003 names cycling through 1,000 entries kept every real service out for good.
        const [name, oldest] = this.candidates.entries().next().value as [string, Candidate];
        if (oldest.lastTraffic >= point.windowStart) return { kind: 'candidate' };
        this.candidates.delete(name);
      }
      c = { traffic: 0, lastTraffic: -Infinity, history: [] };
      this.candidates.set(point.service, c);
    }
    if (point.count > 0) {
      c.traffic++;
      c.lastTraffic = point.windowStart;
      // Map order is oldest latest-traffic first; zeros do not refresh a candidate.
      this.candidates.delete(point.service);
      this.candidates.set(point.service, c);
    }
    if (c.traffic === 0) return { kind: 'candidate' };
    if (c.traffic < this.cfg.minWindowsForSlot) {
      keep(c, point);
      return { kind: 'candidate' };
    }
    let evicted: { service: string; lastActive: number } | undefined;
    if (this.slots.size >= this.cfg.maxServices) {
      evicted = this.idlest(point.windowStart);
      if (!evicted) {
        this.refusals++;
        // It keeps its (bounded) history and tries again on its next window.
        keep(c, point);
        return { kind: 'refused' };
      }
      this.evictions++;
    }
    this.candidates.delete(point.service);
    const a: Admission = { kind: 'admitted', history: c.history };
    if (evicted) a.evicted = evicted;
    return a;
  }

  /** The slot holder idle longest, if it has been idle for at least evictIdleWindows windows. */
  private idlest(now: number): { service: string; lastActive: number } | undefined {
    const limit = now - this.cfg.evictIdleWindows * this.cfg.stepMs;
    let best: { service: string; lastActive: number } | undefined;
    for (const [service, lastActive] of this.slots.lastActive()) {
      if (lastActive <= limit && (!best || lastActive < best.lastActive)) best = { service, lastActive };
    }
    return best;
  }
}
