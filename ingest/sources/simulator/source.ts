import { setImmediate as yieldToLoop, setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import type { LogSource, RawInput } from '../../types.ts';
import type { Simulator } from './simulator.ts';

export interface SimulatorSourceOptions {
  /** Simulated seconds per wall-clock second (60 = one simulated minute a second), or 'max'. Default 'max'. */
  speed?: number | 'max';
  /** Wall clock for pacing and `receivedAt`. Default: the system clock. */
  clock?: Clock;
  /** Stop after this many simulated minutes. Unset: run until aborted (the scenario loops or goes steady). */
  minutes?: number;
  /** Waits `ms` of wall time unless aborted; tests pass a fake. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** At 'max' speed, how many steps run between yields to the event loop. */
const STEPS_PER_YIELD = 32;

/**
 * The simulator as a LogSource: one batch per simulated step, all services' lines in
 * timestamp order. With a numeric speed the batch for [t, t+step) is released when the
 * wall clock reaches the end of that step, measured from the start so delays never add up.
 */
export function createSimulatorSource(sim: Simulator, opts: SimulatorSourceOptions = {}): LogSource {
  const speed = opts.speed ?? 'max';
  if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
    throw new ForesightError('CONFIG_INVALID', `simulator speed must be a positive number or "max", got ${String(speed)}`);
  }
  if (opts.minutes !== undefined && !(opts.minutes > 0)) {
    throw new ForesightError('CONFIG_INVALID', `simulator minutes must be positive, got ${opts.minutes}`);
  }
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? abortableSleep;
  const totalSteps = opts.minutes === undefined ? Infinity : Math.ceil((opts.minutes * 60_000) / sim.stepMs);
  let seq = 0;
  let closed = false;

  return {
    name: 'simulator',
    async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
      const wallStart = clock.now();
      for (let i = 0; i < totalSteps && !closed && !signal.aborted; i++) {
        if (speed === 'max') {
          if (i % STEPS_PER_YIELD === STEPS_PER_YIELD - 1) await yieldToLoop();
        } else {
          const wait = wallStart + ((i + 1) * sim.stepMs) / speed - clock.now();
          if (wait > 0) await sleep(wait, signal);
        }
        if (closed || signal.aborted) break;
        const { lines } = sim.step();
        if (lines.length === 0) continue;
        const receivedAt = clock.now();
        yield lines.map((text) => ({ text, bytes: Buffer.byteLength(text), position: { kind: 'simulator' as const, seq: ++seq }, receivedAt }));
      }
    },
    async close() { closed = true; },
  };
}
