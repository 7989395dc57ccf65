import type { Forecast } from './types.ts';
import { quantileKey } from './types.ts';

/**
 * Online interval coverage of one forecaster on one series: whether each observation fell
 * inside the [lower, upper] quantile band forecast `h` steps before it. A calibrated
 * p10–p90 band covers 80% of them.
 */
export class CoverageTracker {
  private readonly pending = new Map<number, readonly [number, number]>();
  private readonly lo: string;
  private readonly hi: string;

  constructor(private readonly h: number, lower: number, upper: number) {
    this.lo = quantileKey(lower);
    this.hi = quantileKey(upper);
  }

  /** Resolves the band that targeted window `t`: true inside, false outside, null if none did. */
  observe(t: number, value: number): boolean | null {
    const band = this.pending.get(t);
    for (const target of this.pending.keys()) {
      if (target > t) break;
      this.pending.delete(target);
    }
    if (!band) return null;
    return band[0] <= value && value <= band[1];
  }

  record(forecast: Forecast | null): void {
    if (!forecast) return;
    const lo = forecast.paths[this.lo]?.[this.h - 1];
    const hi = forecast.paths[this.hi]?.[this.h - 1];
    if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi)) return;
    this.pending.set(forecast.origin + this.h * forecast.stepMs, [lo, hi]);
  }
}

/** Coverage of many series pooled: a count and an exponentially weighted share, so it follows drift. */
export class CoverageStat {
  hits = 0;
  total = 0;
  private ew = Number.NaN;

  constructor(private readonly alpha = 0.02) {}

  add(inside: boolean): void {
    this.total++;
    if (inside) this.hits++;
    const x = inside ? 1 : 0;
    this.ew = Number.isNaN(this.ew) ? x : this.ew + this.alpha * (x - this.ew);
  }

  /** Recent share inside (weighted); null before the first observation. */
  get recent(): number | null {
    return Number.isNaN(this.ew) ? null : this.ew;
  }

  get overall(): number | null {
    return this.total === 0 ? null : this.hits / this.total;
  }
}
