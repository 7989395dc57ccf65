/**
 * Anomaly likelihood (after Ahmad et al. 2017, HTM's AnomalyLikelihood), made O(1):
 * the short-term mean of a raw score is compared against the long-term distribution of
 * that same short-term mean, held as exponentially weighted mean and variance rather
 * than a window of thousands of samples. The output is -log10(tail probability) / 10,
 * clipped to [0, 1], so 0.5 means "a one-in-100,000 event" and 1 means 1e-10 or rarer.
 */

const LN10 = Math.log(10);

/** ln(erfc(x)) for x >= 0, from Numerical Recipes' erfcc (fractional error < 1.2e-7 everywhere). */
export function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** log10 of the upper-tail probability of a standard normal beyond z (z >= 0). */
export function log10Tail(z: number): number {
  if (z <= 0) return Math.log10(0.5);
  return (Math.log(0.5) + logErfc(z / Math.SQRT2)) / LN10;
}

export interface LikelihoodParams {
  /** Points in the short-term mean. */
  shortWindow: number;
  /** Weight of each new short-term mean in the long-term distribution. */
  longAlpha: number;
  /** Floor of the long-term standard deviation, relative to the scale of raw scores (0..1). */
  minStd: number;
  /** Points before any output other than 0. */
  warmup: number;
  /** Output is -log10(tail) / decades, so 1 means a tail of 10^-decades or less. */
  decades: number;
}

export interface Likelihood {
  /** Feeds a raw score in [0, 1]; returns the log-scaled likelihood in [0, 1]. */
  update(raw: number): number;
}

export function createLikelihood(p: LikelihoodParams): Likelihood {
  const ring = new Float64Array(p.shortWindow);
  let head = 0;
  let filled = 0;
  let sum = 0;
  let mean = 0;
  let variance = 0;
  let seen = 0;
  return {
    update(raw: number): number {
      sum += raw - (ring[head] as number);
      ring[head] = raw;
      head = (head + 1) % ring.length;
      if (filled < ring.length) filled++;
      const short = sum / filled;
      seen++;
      let out = 0;
      if (seen > p.warmup) {
        const std = Math.max(Math.sqrt(variance), p.minStd);
        const z = (short - mean) / std;
        out = Math.min(1, -log10Tail(z) / p.decades);
      }
      // The long-term estimate learns after scoring, so a point never explains itself away.
      const a = seen <= 1 ? 1 : Math.max(p.longAlpha, 1 / seen);
      const d = short - mean;
      mean += a * d;
      variance = (1 - a) * (variance + a * d * d);
      return out;
    },
  };
}
