import type { Forecast } from './types.ts';
import { quantileKey } from './types.ts';

const MEDIAN = quantileKey(0.5);
const FLOOR = 1e-3;

/**
 * Online skill of one forecaster: the exponentially weighted absolute log error of its
 * h-step median against what then arrived, for each tracked h. Log error is relative, so
 * a 10 ms miss on a 50 ms service counts as much as 100 ms on a 500 ms one.
 *
 * Pending predictions are keyed by the window they target; a target window that never
 * arrives (no latency in it) is dropped when a later window arrives. At most h entries
 * are pending per horizon.
 */
export class SkillTracker {
  private readonly pending: Array<Map<number, number>>;
  private readonly ewma: number[];
  private readonly counts: number[];
  /** Cumulative absolute log error and count over all horizons: for side-by-side trials. */
  total = 0;
  count = 0;

  constructor(private readonly horizons: readonly number[], private readonly alpha: number) {
    this.pending = horizons.map(() => new Map());
    this.ewma = horizons.map(() => 0);
    this.counts = horizons.map(() => 0);
  }

  /** Scores pending predictions for window `t` against its observed value. */
  observe(t: number, value: number): void {
    const y = Math.log(Math.max(value, FLOOR));
    this.horizons.forEach((_, i) => {
      const pend = this.pending[i] as Map<number, number>;
      const pred = pend.get(t);
      if (pred !== undefined) {
        const err = Math.abs(y - Math.log(Math.max(pred, FLOOR)));
        const n = this.counts[i] as number;
        // The first error seeds the mean, so one early miss is not diluted toward zero.
        this.ewma[i] = n === 0 ? err : (this.ewma[i] as number) + this.alpha * (err - (this.ewma[i] as number));
        this.counts[i] = n + 1;
        this.total += err;
        this.count++;
      }
      // Insertion order is target order, since forecasts are recorded in time order.
      for (const target of pend.keys()) {
        if (target > t) break;
        pend.delete(target);
      }
    });
  }

  record(forecast: Forecast | null): void {
    if (!forecast) return;
    const median = forecast.paths[MEDIAN];
    if (!median) return;
    this.horizons.forEach((h, i) => {
      const v = median[h - 1];
      if (v !== undefined && Number.isFinite(v)) (this.pending[i] as Map<number, number>).set(forecast.origin + h * forecast.stepMs, v);
    });
  }

  /** Fewest scored predictions over the horizons. */
  get scored(): number {
    return Math.min(...this.counts);
  }

  /** Mean of the horizons' weighted errors; Infinity until each horizon was scored once. */
  get error(): number {
    if (this.scored === 0) return Number.POSITIVE_INFINITY;
    let s = 0;
    for (const e of this.ewma) s += e;
    return s / this.ewma.length;
  }
}

export interface Candidate {
  name: string;
  available: boolean;
  scored: number;
  error: number;
}

export interface ChoiceRules {
  minScored: number;
  margin: number;
  preferred: string;
}

/**
 * Picks the forecaster to publish. The current choice is kept unless a scored challenger
 * beats it by `margin` (so two forecasters of equal skill do not alternate every window);
 * before anything is scored, the preferred one as soon as it can forecast, else the current
 * one, else the first available.
 * Ties go to the earlier candidate, so the choice is deterministic.
 */
export function choose(candidates: readonly Candidate[], current: string | undefined, rules: ChoiceRules): string | undefined {
  const available = candidates.filter((c) => c.available);
  if (available.length === 0) return current;
  const scored = available.filter((c) => c.scored >= rules.minScored);
  let best: Candidate | undefined;
  for (const c of scored) if (!best || c.error < best.error) best = c;
  const cur = available.find((c) => c.name === current);
  if (cur && cur.scored >= rules.minScored) {
    return best && best.error < cur.error * (1 - rules.margin) ? best.name : cur.name;
  }
  if (best) return best.name;
  return (available.find((c) => c.name === rules.preferred) ?? cur ?? available[0])?.name;
}
