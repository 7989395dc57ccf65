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

  private predict(): { base: number; out: Float32Array } {
    const last = this.last() as SeriesPoint;
    if (this.cached?.t === last.t) return this.cached;
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
