/**
 * Streaming anomaly detector for one series. O(1) time and bounded memory per point.
 *
 *   value ─┬─ innovation: |x - fast EWMA| vs its typical size ──┐
 *          ├─ time of day: |x - mean for this bin| vs its spread ─┤
 *          ├─ level: |x - long-run mean| vs long-run spread ─────┼─► raw z ─► likelihoods ─► max ─► fire (1) / suppress ─► score
 *          └─ range: x beyond everything seen so far ── score 1 ─┘
 *
 * Uses only values and timestamps, one point at a time; nothing from the future.
 */
import { createLikelihood } from './likelihood.ts';
import type { Likelihood } from './likelihood.ts';

export interface AnomalyParams {
  /** Smoothing of the one-step prediction (EWMA of the value). */
  predAlpha: number;
  /** Smoothing of the typical absolute prediction error. */
  errAlpha: number;
  /** Time-of-day bins per day. */
  todBins: number;
  /** Smoothing of per-bin mean/deviation. */
  todAlpha: number;
  /** z-score that maps to raw score 0.5. */
  zHalf: number;
  /** Short-term window of the likelihood. */
  shortWindow: number;
  /** Long-term smoothing of the likelihood. */
  longAlpha: number;
  minStd: number;
  warmup: number;
  /** Decades of tail probability spanned by the score (see likelihood.ts). */
  decades: number;
  /** Smoothing of the long-run mean/deviation of the value (0 disables the level feature). */
  levelAlpha: number;
  /** Margin of the running range, relative to its width, beyond which a value is new. */
  rangeMargin: number;
  /** Evidence at which the detector fires: that point's output is 1, the next `suppress` are damped. */
  fireLevel: number;
  /** Points after firing during which output is damped. */
  suppress: number;
  /** Multiplier of output while suppressed. */
  suppressFactor: number;
}

/**
 * One parameter set for every series, tuned by coordinate descent on the NAB development
 * split only (standard profile); see docs/nab.md for the neighbourhood of these values.
 */
export const DEFAULT_ANOMALY_PARAMS: Readonly<AnomalyParams> = Object.freeze({
  predAlpha: 1,
  errAlpha: 0.007,
  todBins: 36,
  todAlpha: 0.08,
  zHalf: 4,
  shortWindow: 20,
  longAlpha: 0.00035,
  minStd: 0.04,
  warmup: 150,
  decades: 10,
  levelAlpha: 0.00006,
  rangeMargin: 0.025,
  fireLevel: 0.45,
  suppress: 100,
  suppressFactor: 0.2,
});

export interface AnomalyDetector {
  /** Feeds one point (epoch ms, value); returns the anomaly score in [0, 1]. */
  update(t: number, value: number): number;
  /**
   * The last point's evidence before firing and damping (the max of the feature likelihoods,
   * 1 for a value beyond the range seen): how strong an anomaly was, since a firing point's
   * score is 1 whatever its evidence.
   */
  readonly evidence: number;
}

const DAY_MS = 86_400_000;
const TINY = 1e-12;

export function createAnomalyDetector(overrides: Partial<AnomalyParams> = {}): AnomalyDetector {
  const p: AnomalyParams = { ...DEFAULT_ANOMALY_PARAMS, ...overrides };
  const lk = (): Likelihood => createLikelihood({ shortWindow: p.shortWindow, longAlpha: p.longAlpha, minStd: p.minStd, warmup: p.warmup, decades: p.decades });
  const lkInnov = lk();
  const lkTod = lk();
  const lkLevel = lk();
  let levelMean = 0;
  let levelDev = 0;
  const todMean = new Float64Array(p.todBins);
  const todDev = new Float64Array(p.todBins);
  const todSeen = new Uint32Array(p.todBins);
  let n = 0;
  let lo = 0;
  let hi = 0;
  let pred = 0;
  let err = 0;
  let sinceFire = Number.POSITIVE_INFINITY;
  let evidence = 0;

  const squash = (z: number): number => z / (z + p.zHalf);

  return {
    get evidence(): number { return evidence; },
    update(t: number, x: number): number {
      n++;
      if (n === 1) {
        lo = hi = pred = levelMean = x;
        evidence = 0;
        return 0;
      }
      const width = Math.max(hi - lo, TINY);
      // innovation
      const e = Math.abs(x - pred);
      const zInnov = e / Math.max(err, width * 1e-3);
      // time of day
      const bin = Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS * p.todBins);
      let zTod = 0;
      if ((todSeen[bin] as number) >= 3) {
        zTod = Math.abs(x - (todMean[bin] as number)) / Math.max(todDev[bin] as number, width * 0.01);
      }
      // range
      const excess = Math.max(x - hi, lo - x) / width - p.rangeMargin;

      let score = Math.max(lkInnov.update(squash(zInnov)), lkTod.update(squash(zTod)));
      if (p.levelAlpha > 0) {
        const zLevel = Math.abs(x - levelMean) / Math.max(levelDev, width * 0.01);
        score = Math.max(score, lkLevel.update(squash(zLevel)));
        const la = Math.max(p.levelAlpha, 1 / n);
        const dl = x - levelMean;
        levelMean += la * dl;
        levelDev += la * (Math.abs(dl) - levelDev);
      }
      // A value beyond everything seen (NAB's HTM detector has the same "spatial" rule).
      if (n > p.warmup && excess > 0) score = 1;

      // learn
      err += p.errAlpha * (e - err);
      pred += p.predAlpha * (x - pred);
      const seen = (todSeen[bin] as number) + 1;
      todSeen[bin] = seen;
      const a = Math.max(p.todAlpha, 1 / seen);
      const d = x - (todMean[bin] as number);
      todMean[bin] = (todMean[bin] as number) + a * d;
      todDev[bin] = (todDev[bin] as number) + a * (Math.abs(d) - (todDev[bin] as number));
      if (x > hi) hi = x;
      if (x < lo) lo = x;

      // One early alarm per event is what pays; echoes of the same event are damped. The
      // firing point itself outputs 1: the evidence at the crossing overshoots fireLevel by
      // chance (0.50-0.55 at fireLevel 0.5), and a threshold picked among those overshoots
      // on some categories missed events of the others (docs/nab.md, cross-validated).
      evidence = score;
      sinceFire++;
      if (sinceFire <= p.suppress) score *= p.suppressFactor;
      else if (score >= p.fireLevel) { sinceFire = 0; score = 1; }
      return score;
    },
  };
}
