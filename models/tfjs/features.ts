import type { SeriesPoint } from '../types.ts';
import { DAY_MS } from '../statistical/seasonal-naive.ts';

/**
 * Feature encoding shared by training and inference. Each step of the input window has
 * these features, in this order; the model is told nothing else.
 *
 * Windows are normalised by themselves: latency and throughput enter relative to the
 * window's own recent level, so one network serves a 20 ms cache and a 900 ms checkout
 * alike and learns shapes (a ramp, a spike that fades) rather than each service's level.
 */
export const FEATURES = ['rel_log_p95', 'rel_log_throughput', 'sqrt_error_rate', 'sqrt_warn_rate', 'tod_sin', 'tod_cos'] as const;
export const FEATURE_COUNT = FEATURES.length;

/**
 * Global scales fitted on the training series. `latencyScale` is the spread of log
 * latency around each window's base, so inputs and targets are of order one.
 * `timeOfDay` is false when the history covers less than a day: the clock features are
 * then zero, because a model trained on the morning would read the afternoon's clock as
 * an input it has never seen.
 */
export interface Normalisation {
  latencyScale: number;
  throughputScale: number;
  timeOfDay: boolean;
}

const LATENCY_FLOOR = 1e-3;
/** A scale below this is a constant feature; dividing by it would blow noise up. */
const STD_FLOOR = 1e-6;
/**
 * The base is the mean of the last few log latencies, not the last one: a single noisy
 * window would otherwise shift the whole input and the forecast with it.
 */
export const BASE_POINTS = 5;
/**
 * Inputs are clipped to this many scales: an outage multiplies latency tenfold, and a
 * ReLU network extrapolates linearly: on the suite, unclipped inputs turned such windows
 * into forecasts of millions of ms.
 */
const INPUT_CLIP = 3;

export function logLatency(v: number): number {
  return Math.log(Math.max(v, LATENCY_FLOOR));
}

function logThroughput(v: number | undefined): number {
  return Math.log1p(Math.max(v ?? 0, 0));
}

/** sqrt spreads the small rates that matter (0.2% vs 2%) without letting 100% dominate. */
function sqrtShare(v: number | undefined): number {
  return Math.sqrt(Math.min(Math.max(v ?? 0, 0), 1));
}

function clip(v: number): number {
  return v > INPUT_CLIP ? INPUT_CLIP : v < -INPUT_CLIP ? -INPUT_CLIP : v;
}

/** Mean log latency of the last BASE_POINTS points of `window` (accessor keeps it allocation-free). */
export function baseOf(at: (i: number) => SeriesPoint, length: number): number {
  const k = Math.min(BASE_POINTS, length);
  let s = 0;
  for (let i = length - k; i < length; i++) s += logLatency(at(i).value);
  return s / k;
}

/** Scales from every series' deviations around a rolling base of `window` points. */
export function fitNormalisation(series: readonly (readonly SeriesPoint[])[], window = 32): Normalisation {
  const relLat: number[] = [];
  const relThr: number[] = [];
  let longest = 0;
  for (const s of series) {
    let thrSum = 0;
    const first = s[0];
    const last = s[s.length - 1];
    if (first && last) longest = Math.max(longest, last.t - first.t);
    for (let i = 0; i < s.length; i++) {
      const p = s[i] as SeriesPoint;
      thrSum += logThroughput(p.throughput);
      if (i >= window) thrSum -= logThroughput((s[i - window] as SeriesPoint).throughput);
      if (i + 1 < BASE_POINTS) continue;
      const base = baseOf((j) => s[j] as SeriesPoint, i + 1);
      relLat.push(logLatency(p.value) - base);
      relThr.push(logThroughput(p.throughput) - thrSum / Math.min(i + 1, window));
    }
  }
  const rms = (xs: number[]): number => {
    let ss = 0;
    for (const x of xs) ss += x * x;
    const r = xs.length > 0 ? Math.sqrt(ss / xs.length) : 1;
    return r < STD_FLOOR ? 1 : r;
  };
  return { latencyScale: rms(relLat), throughputScale: rms(relThr), timeOfDay: longest >= DAY_MS };
}

/**
 * Encodes one input window (oldest first) into `out` at `offset`; returns the window's
 * base (log latency) that targets and forecasts are relative to.
 */
export function encodeWindow(at: (i: number) => SeriesPoint, window: number, norm: Normalisation, out: Float32Array, offset: number): number {
  const base = baseOf(at, window);
  let thrMean = 0;
  for (let w = 0; w < window; w++) thrMean += logThroughput(at(w).throughput);
  thrMean /= window;
  for (let w = 0; w < window; w++) {
    const p = at(w);
    const o = offset + w * FEATURE_COUNT;
    const angle = (2 * Math.PI * (((p.t % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
    out[o] = clip((logLatency(p.value) - base) / norm.latencyScale);
    out[o + 1] = clip((logThroughput(p.throughput) - thrMean) / norm.throughputScale);
    out[o + 2] = sqrtShare(p.errorRate);
    // Warnings (slow requests, GC pauses, retries) often rise before latency does.
    out[o + 3] = sqrtShare(p.warnRate);
    out[o + 4] = norm.timeOfDay ? Math.sin(angle) : 0;
    out[o + 5] = norm.timeOfDay ? Math.cos(angle) : 0;
  }
  return base;
}

export interface Samples {
  x: Float32Array;
  y: Float32Array;
  count: number;
  /** Index of each sample's first input step within its series. */
  starts: Int32Array;
}

/**
 * Sliding windows over each series: W steps in, H steps out, consecutive points as steps.
 * Targets are the next steps' log latency relative to the window's base, in latencyScale
 * units, repeated once per quantile head.
 */
export function buildSamples(series: readonly (readonly SeriesPoint[])[], window: number, horizon: number, quantiles: number, norm: Normalisation): Samples {
  let count = 0;
  for (const s of series) count += Math.max(0, s.length - window - horizon + 1);
  const inSize = window * FEATURE_COUNT;
  const outSize = horizon * quantiles;
  const x = new Float32Array(count * inSize);
  const y = new Float32Array(count * outSize);
  const starts = new Int32Array(count);
  let i = 0;
  for (const s of series) {
    for (let start = 0; start + window + horizon <= s.length; start++) {
      starts[i] = start;
      const base = encodeWindow((w) => s[start + w] as SeriesPoint, window, norm, x, i * inSize);
      for (let h = 0; h < horizon; h++) {
        const d = (logLatency((s[start + window + h] as SeriesPoint).value) - base) / norm.latencyScale;
        for (let k = 0; k < quantiles; k++) y[i * outSize + h * quantiles + k] = d;
      }
      i++;
    }
  }
  return { x, y, count, starts };
}
