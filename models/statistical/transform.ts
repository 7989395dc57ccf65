/**
 * The space forecasters work in. Latency is positive and its changes are multiplicative
 * (a slow dependency doubles it rather than adding a constant), so forecasting its log
 * keeps forecasts positive and makes intervals scale with the level.
 */
export type TransformName = 'log' | 'none';

export interface Transform {
  readonly name: TransformName;
  forward(v: number): number;
  /**
   * Back to the original scale, relative to an anchor observation. Expressing the forecast
   * as a ratio to the last raw value means a forecast equal to the last observation maps
   * back to it exactly (exp(log(v)) is not always v in floating point).
   */
  inverse(z: number, anchorRaw: number, anchorZ: number): number;
}

/** Latencies below this are treated as this, so log stays finite (0 ms windows exist). */
const LOG_FLOOR = 1e-3;

const logTransform: Transform = {
  name: 'log',
  forward: (v) => Math.log(Math.max(v, LOG_FLOOR)),
  inverse: (z, anchorRaw, anchorZ) => (z === anchorZ ? anchorRaw : Math.max(anchorRaw, LOG_FLOOR) * Math.exp(z - anchorZ)),
};

const identity: Transform = {
  name: 'none',
  forward: (v) => v,
  inverse: (z) => z,
};

export function getTransform(name: TransformName): Transform {
  return name === 'log' ? logTransform : identity;
}
