import type { Forecast, Forecaster, SeriesPoint } from '../types.ts';
import { RingBuffer, TransformedWindow } from './ring.ts';
import { buildForecast, centredResidualQuantiles } from './quantiles.ts';
import { getTransform, type TransformName } from './transform.ts';

export const DAY_MS = 86_400_000;

export interface SeasonalNaiveOptions {
  stepMs: number;
  minHistory: number;
  residualWindow: number;
  /** Season length; a day, since service load follows the working day. */
  seasonMs?: number;
  transform?: TransformName;
}

/**
 * "Same time yesterday" once a full season has been seen, "last value" before that.
 * It is the baseline the others must beat: diurnal ramps are forecast correctly by it
 * alone, and it cannot be fooled into extrapolating a spike.
 *
 * State is one slot per step of the season (1440 for a day of minutes), indexed by time,
 * so a missing window leaves its slot stale and the stale slot is recognised by its time.
 */
export class SeasonalNaiveForecaster implements Forecaster {
  readonly name = 'seasonal_naive';
  readonly version = '1';
  /** The newest observation (raw and transformed) and how many were seen. */
  private readonly last: TransformedWindow;
  private readonly seasonMs: number;
  private readonly slots: number;
  private readonly slotZ: Float64Array;
  private readonly slotT: Float64Array;
  private readonly slotRaw: Float64Array;
  /** z_t - z_(t - season): the error of a seasonal forecast. */
  private readonly seasonalResiduals: RingBuffer;
  /** z_t - z_(previous): the error of a one-step last-value forecast. */
  private readonly naiveResiduals: RingBuffer;
  private firstT = 0;

  constructor(private readonly opts: SeasonalNaiveOptions) {
    this.last = new TransformedWindow(getTransform(opts.transform ?? 'log'), 1);
    this.seasonMs = opts.seasonMs ?? DAY_MS;
    if (this.seasonMs % opts.stepMs !== 0) throw new RangeError(`season ${this.seasonMs} ms is not a whole number of ${opts.stepMs} ms steps`);
    this.slots = this.seasonMs / opts.stepMs;
    this.slotZ = new Float64Array(this.slots);
    this.slotT = new Float64Array(this.slots).fill(Number.NaN);
    this.slotRaw = new Float64Array(this.slots);
    this.seasonalResiduals = new RingBuffer(opts.residualWindow);
    this.naiveResiduals = new RingBuffer(opts.residualWindow);
  }

  private slotOf(t: number): number {
    const i = Math.floor(t / this.opts.stepMs) % this.slots;
    return i < 0 ? i + this.slots : i;
  }

  /** Slot of the observation exactly one season before `t`, if it was seen. */
  private seasonAgoSlot(t: number): number | undefined {
    const src = t - this.seasonMs;
    const i = this.slotOf(src);
    return this.slotT[i] === src ? i : undefined;
  }

  private seasonAgo(t: number): number | undefined {
    const i = this.seasonAgoSlot(t);
    return i === undefined ? undefined : this.slotZ[i];
  }

  observe(point: SeriesPoint): void {
    if (!Number.isFinite(point.value)) return;
    const prevZ = this.last.lastZ;
    const first = this.last.seen === 0;
    this.last.observe(point);
    const z = this.last.lastZ;
    if (first) this.firstT = point.t;
    else this.naiveResiduals.push(z - prevZ);
    const prev = this.seasonAgo(point.t);
    if (prev !== undefined) this.seasonalResiduals.push(z - prev);
    const i = this.slotOf(point.t);
    this.slotZ[i] = z;
    this.slotT[i] = point.t;
    this.slotRaw[i] = point.value;
  }

  /** Whether forecasts use last season (a full season of history) or the last value. */
  get seasonal(): boolean {
    return this.last.seen > 0 && this.last.lastT - this.firstT + this.opts.stepMs >= this.seasonMs && this.seasonalResiduals.length >= this.opts.minHistory;
  }

  forecast(steps: number, quantiles: readonly number[]): Forecast | null {
    if (this.last.seen < this.opts.minHistory || steps < 1) return null;
    const seasonal = this.seasonal;
    const offsets = centredResidualQuantiles((seasonal ? this.seasonalResiduals : this.naiveResiduals).toArray(), quantiles);
    const stepMs = this.opts.stepMs;
    // Beyond one season ahead, the slot for "a season before the target" is itself a
    // forecast; reuse the last season's value, as seasonal-naive does.
    const sourceSlot = (h: number): number | undefined => (seasonal ? this.seasonAgoSlot(this.last.lastT + (((h - 1) % this.slots) + 1) * stepMs) : undefined);
    const point = (h: number): number => {
      const i = sourceSlot(h);
      return i === undefined ? this.last.lastZ : (this.slotZ[i] as number);
    };
    // Back-transform relative to the copied observation, so a copy is exact.
    const anchorAt = (h: number): readonly [number, number] | undefined => {
      const i = sourceSlot(h);
      return i === undefined ? undefined : [this.slotRaw[i] as number, this.slotZ[i] as number];
    };
    // A last-value forecast's error is a random walk: it grows as sqrt(h). A seasonal
    // forecast's does not grow within the season.
    const scale = (h: number): number => (seasonal ? Math.sqrt(Math.ceil(h / this.slots)) : Math.sqrt(h));
    return buildForecast({
      origin: this.last.lastT,
      stepMs,
      steps,
      quantiles,
      forecaster: this.name,
      modelVersion: `${this.name}@${this.version}`,
      transform: this.last.transform,
      anchorRaw: this.last.lastRaw,
      anchorZ: this.last.lastZ,
      anchorAt,
      point,
      offset: (h, k) => (offsets[k] ?? 0) * scale(h),
    });
  }
}
