/**
 * The space forecasters work in. Latency is positive and its changes are multiplicative
 * (a slow dependency doubles it rather than adding a constant), so forecasting its log
 * keeps forecasts positive and makes intervals scale with the level.
 */
export type TransformName = 'log' | 'none' | 'reciprocal';

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

/**
 * Reciprocal latency, 1/v: in a queue, latency grows like s/(1 − ρ), so 1/latency falls
 * roughly linearly while utilisation ρ ramps linearly (a leak, a surge), and a straight
 * line in this space is the hyperbolic blow-up in latency. A path at or past 0 means
 * saturation (no steady state); it is capped at RECIPROCAL_MAX_FACTOR times the anchor,
 * because past that the queueing picture no longer holds: an overloaded service's latency
 * is set by its backlog and timeouts, which no trend of its own history knows.
 */
export const RECIPROCAL_MAX_FACTOR = 10;

const reciprocal: Transform = {
  name: 'reciprocal',
  forward: (v) => 1 / Math.max(v, LOG_FLOOR),
  inverse: (z, anchorRaw, anchorZ) => {
    if (z === anchorZ) return anchorRaw;
    // Expressed as a ratio to the anchor, like log: a path equal to it maps back exactly.
    return (Math.max(anchorRaw, LOG_FLOOR) * anchorZ) / Math.max(z, anchorZ / RECIPROCAL_MAX_FACTOR);
  },
};

export function getTransform(name: TransformName): Transform {
  return name === 'log' ? logTransform : name === 'reciprocal' ? reciprocal : identity;
}
