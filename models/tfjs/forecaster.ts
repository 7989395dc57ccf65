import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { quantileKey } from '../types.ts';
import type { Tf } from './backend.ts';
import { encodeWindow, FEATURE_COUNT } from './features.ts';
import type { LoadedModel } from './artifacts.ts';

export interface TfForecasterOptions {
  stepMs: number;
  /** Forecaster name; a model on trial runs under another name so it is never chosen. */
  name?: string;
}

/**
 * Streams one service's series into the trained network. State is the last `window`
 * points (a fixed circular array); a forecast is one predict() on a 1 x (W*F) tensor,
 * cached until the next observation, so each window costs at most one predict.
 */
export class TfForecaster implements Forecaster {
  readonly name: string;
  readonly version: string;
  private readonly window: number;
  private readonly points: SeriesPoint[];
  private next = 0;
  private seen = 0;
  private cached: { t: number; base: number; out: Float32Array } | undefined;
  /** A prediction made ahead by `predictBatch` for the window after `seen` observations. */
  private primed: { seen: number; t: number; base: number; out: Float32Array } | undefined;

  constructor(private readonly tf: Tf, private readonly loaded: LoadedModel, private readonly opts: TfForecasterOptions) {
    this.window = loaded.meta.window;
    this.points = new Array<SeriesPoint>(this.window);
    this.version = loaded.meta.version;
    this.name = opts.name ?? 'tfjs_mlp';
  }

  observe(point: SeriesPoint): void {
    if (!Number.isFinite(point.value)) return;
    this.points[this.next] = point;
    this.next = (this.next + 1) % this.window;
    this.seen++;
    this.cached = undefined;
  }

  private last(): SeriesPoint | undefined {
    return this.points[(this.next + this.window - 1) % this.window];
  }

  /** The model this forecaster runs: forecasters of one model can share a batched predict. */
  get model(): LoadedModel {
    return this.loaded;
  }

  /** Whether observing `next` would leave a full window, i.e. a forecast would need a predict. */
  wouldPredictAfter(next: SeriesPoint): boolean {
    return Number.isFinite(next.value) && this.seen + 1 >= this.window;
  }

  /** Encodes the window as it will be once `next` is observed into `x` at `offset`; its base. */
  encodeAfter(next: SeriesPoint, x: Float32Array, offset: number): number {
    const W = this.window;
    return encodeWindow((w) => (w === W - 1 ? next : this.points[(this.next + 1 + w) % W] as SeriesPoint), W, this.loaded.meta.normalisation, x, offset);
  }

  /** Takes the prediction for the window after observing `next` (see predictBatch). */
  prime(next: SeriesPoint, base: number, out: Float32Array): void {
    this.primed = { seen: this.seen + 1, t: next.t, base, out };
  }

  private predict(): { base: number; out: Float32Array } {
    const last = this.last() as SeriesPoint;
    if (this.cached?.t === last.t) return this.cached;
    const p = this.primed;
    this.primed = undefined;
    if (p && p.seen === this.seen && p.t === last.t) {
      this.cached = { t: p.t, base: p.base, out: p.out };
      return this.cached;
    }
    const x = new Float32Array(this.window * FEATURE_COUNT);
    const base = encodeWindow((w) => this.points[(this.next + w) % this.window] as SeriesPoint, this.window, this.loaded.meta.normalisation, x, 0);
    const out = this.tf.tidy(() => {
      const y = this.loaded.model.predict(this.tf.tensor2d(x, [1, x.length]));
      const t = Array.isArray(y) ? y[0] : y;
      return (t as { dataSync(): Float32Array }).dataSync().slice();
    });
    this.cached = { t: last.t, base, out };
    return this.cached;
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    const meta = this.loaded.meta;
    if (this.seen < this.window || steps < 1 || steps > meta.horizon) return null;
    const idx = quantiles.map((q) => meta.quantiles.indexOf(q));
    if (idx.some((i) => i < 0)) return null;
    const { base, out } = this.predict();
    const last = this.last() as SeriesPoint;
    const std = meta.normalisation.latencyScale;
    const Q = meta.quantiles.length;
    const paths: Record<string, number[]> = {};
    const keys = quantiles.map(quantileKey);
    for (const k of keys) paths[k] = new Array<number>(steps);
    const all = new Array<number>(Q);
    for (let h = 0; h < steps; h++) {
      for (let k = 0; k < Q; k++) all[k] = out[h * Q + k] ?? 0;
      // Quantile heads are trained independently and can cross; sorting each step is the
      // monotone rearrangement that restores p10 <= p50 <= p90 without refitting.
      all.sort((a, b) => a - b);
      for (let j = 0; j < quantiles.length; j++) {
        (paths[keys[j] as string] as number[])[h] = Math.exp(base + (all[idx[j] as number] as number) * std);
      }
    }
    return {
      origin: last.t,
      stepMs: this.opts.stepMs,
      steps,
      quantiles: [...quantiles],
      paths,
      forecaster: this.name,
      modelVersion: `${this.name}@${this.version}`,
    };
  }
}

/** Rows per predict call: bounds the input tensor (10,000 × 32 × 6 floats is 7.7 MB). */
const BATCH_ROWS = 4096;

/**
 * One predict() for many services' next windows instead of one per service: at 10,000
 * services one predict per series cost 11.2 s per window, one batched predict 27× less
 * (issue #16). Each forecaster gets its row through prime(); its next forecast() uses it if
 * it has observed exactly `next` by then, and predicts on its own otherwise.
 */
export function predictBatch(tf: Tf, model: LoadedModel, items: ReadonlyArray<{ f: TfForecaster; next: SeriesPoint }>): void {
  const width = model.meta.window * FEATURE_COUNT;
  for (let from = 0; from < items.length; from += BATCH_ROWS) {
    const chunk = items.slice(from, from + BATCH_ROWS);
    const n = chunk.length;
    const x = new Float32Array(n * width);
    const bases = chunk.map((it, i) => it.f.encodeAfter(it.next, x, i * width));
    // The tensor leaves tidy() and is read after it: tidy walks whatever its callback returns
    // looking for tensors, key by key, and over the Float32Array of 1,000 services' rows that
    // walk was 13 % of the models stage's CPU profile (bench/models.ts 1000).
    const y = tf.tidy(() => {
      const r = model.model.predict(tf.tensor2d(x, [n, width]));
      return Array.isArray(r) ? r[0] as typeof r[0] : r;
    });
    const out = y.dataSync() as Float32Array;
    y.dispose();
    const per = out.length / n;
    chunk.forEach((it, i) => it.f.prime(it.next, bases[i] as number, out.slice(i * per, (i + 1) * per)));
  }
}
