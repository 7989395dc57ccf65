import type { SeriesPoint } from '../types.ts';
import { DAY_MS } from '../statistical/seasonal-naive.ts';

/**
 * Feature encoding shared by training and inference. Each step of the input window has
 * these features, in this order; the model is told nothing else.
 */
export const FEATURES = ['log_p95', 'log_throughput', 'error_rate', 'tod_sin', 'tod_cos'] as const;
export const FEATURE_COUNT = FEATURES.length;

export interface Normalisation {
  logLatency: { mean: number; std: number };
  logThroughput: { mean: number; std: number };
}

const LATENCY_FLOOR = 1e-3;
/** A std below this is a constant feature; dividing by it would blow noise up. */
const STD_FLOOR = 1e-6;

export function logLatency(v: number): number {
  return Math.log(Math.max(v, LATENCY_FLOOR));
}

function logThroughput(v: number | undefined): number {
  return Math.log1p(Math.max(v ?? 0, 0));
}

function meanStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 1 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / values.length);
  return { mean, std: std < STD_FLOOR ? 1 : std };
}

export function fitNormalisation(series: readonly (readonly SeriesPoint[])[]): Normalisation {
  const lat: number[] = [];
  const thr: number[] = [];
  for (const s of series) {
    for (const p of s) {
      lat.push(logLatency(p.value));
      thr.push(logThroughput(p.throughput));
    }
  }
  return { logLatency: meanStd(lat), logThroughput: meanStd(thr) };
}

/** Writes one step's features into `out` at `offset`. */
export function encodeStep(p: SeriesPoint, norm: Normalisation, out: Float32Array, offset: number): void {
  const angle = (2 * Math.PI * (((p.t % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  out[offset] = (logLatency(p.value) - norm.logLatency.mean) / norm.logLatency.std;
  out[offset + 1] = (logThroughput(p.throughput) - norm.logThroughput.mean) / norm.logThroughput.std;
  out[offset + 2] = Math.min(Math.max(p.errorRate ?? 0, 0), 1);
  out[offset + 3] = Math.sin(angle);
  out[offset + 4] = Math.cos(angle);
}

/**
 * Targets are the next steps' log latency relative to the last observed one, in units of
 * its std: the model learns the shape of what comes next, not each service's level.
 */
export function encodeTargets(window: readonly SeriesPoint[], future: readonly SeriesPoint[], norm: Normalisation, quantiles: number, out: Float32Array, offset: number): void {
  const last = window[window.length - 1];
  if (!last) throw new RangeError('empty window');
  const base = logLatency(last.value);
  for (let h = 0; h < future.length; h++) {
    const d = (logLatency((future[h] as SeriesPoint).value) - base) / norm.logLatency.std;
    for (let k = 0; k < quantiles; k++) out[offset + h * quantiles + k] = d;
  }
}

export interface Samples {
  x: Float32Array;
  y: Float32Array;
  count: number;
}

/** Sliding windows over each series: W steps in, H steps out, consecutive points as steps. */
export function buildSamples(series: readonly (readonly SeriesPoint[])[], window: number, horizon: number, quantiles: number, norm: Normalisation): Samples {
  let count = 0;
  for (const s of series) count += Math.max(0, s.length - window - horizon + 1);
  const inSize = window * FEATURE_COUNT;
  const outSize = horizon * quantiles;
  const x = new Float32Array(count * inSize);
  const y = new Float32Array(count * outSize);
  let i = 0;
  for (const s of series) {
    for (let start = 0; start + window + horizon <= s.length; start++) {
      for (let w = 0; w < window; w++) encodeStep(s[start + w] as SeriesPoint, norm, x, i * inSize + w * FEATURE_COUNT);
      encodeTargets(s.slice(start, start + window), s.slice(start + window, start + window + horizon), norm, quantiles, y, i * outSize);
      i++;
    }
  }
  return { x, y, count };
}
