import type { Incident } from './scenario.ts';
import { combineRates } from './model.ts';

/**
 * What incidents do to a service at a moment. Pure; times are minutes since the
 * simulation started, so looping passes and rollbacks are resolved by the caller into
 * concrete windows.
 */

export interface IncidentWindow {
  incident: Incident;
  /** Minute the incident starts. */
  start: number;
  /** Minute it stops (end of its duration, of the pass, or a rollback). */
  end: number;
}

export interface Effects {
  loadFactor: number;
  /** Multiplier on the service time. */
  latencyFactor: number;
  addLatencyMs: number;
  /** Extra share of 500s (a bad deploy). */
  appErrorRate: number;
  /** Share of requests failing because the dependency refuses connections. */
  dependencyErrorRate: number;
  /** Version of an active bad deploy, for its error message. */
  deployVersion: string | undefined;
  /** Active leaks; each replica's capacity follows from its own age (see leakFactor). */
  leaks: Array<{ start: number; rampMinutes: number; floor: number; gcLatencyFactor: number }>;
}

export function effectsAt(windows: readonly IncidentWindow[], minute: number): Effects {
  const e: Effects = { loadFactor: 1, latencyFactor: 1, addLatencyMs: 0, appErrorRate: 0, dependencyErrorRate: 0, deployVersion: undefined, leaks: [] };
  for (const w of windows) {
    if (minute < w.start || minute >= w.end) continue;
    const m = minute - w.start;
    const inc = w.incident;
    switch (inc.kind) {
      case 'memory-leak':
        e.leaks.push({ start: w.start, rampMinutes: inc.rampMinutes, floor: inc.floor, gcLatencyFactor: inc.gcLatencyFactor });
        break;
      case 'traffic-surge':
        e.loadFactor *= surgeFactor(m, inc.rampMinutes, inc.holdMinutes, inc.decayMinutes, inc.multiplier);
        break;
      case 'bad-deploy':
        e.latencyFactor *= inc.latencyFactor;
        e.appErrorRate = combineRates(e.appErrorRate, inc.errorRate);
        e.deployVersion = inc.version;
        break;
      case 'dependency-outage':
        e.dependencyErrorRate = combineRates(e.dependencyErrorRate, inc.errorRate);
        e.addLatencyMs += inc.latencyAddMs;
        break;
      case 'slow-dependency':
        e.addLatencyMs += inc.addMs * Math.min(1, m / inc.rampMinutes);
        break;
      case 'restart':
      case 'rollout':
        // Events on replicas at given minutes: the simulator applies them (replica state).
        break;
    }
  }
  return e;
}

export function surgeFactor(m: number, ramp: number, hold: number, decay: number, multiplier: number): number {
  if (m < 0) return 1;
  if (m < ramp) return 1 + (multiplier - 1) * (m / ramp);
  if (m < ramp + hold) return multiplier;
  if (decay > 0 && m < ramp + hold + decay) return multiplier - (multiplier - 1) * ((m - ramp - hold) / decay);
  return 1;
}

/**
 * Capacity share a replica keeps under the active leaks. A replica leaks from whichever
 * is later, the leak's start or its own start, which is why scale-out (fresh replicas)
 * restores capacity for a while.
 */
export function leakFactor(leaks: Effects['leaks'], bornMinute: number, minute: number): number {
  let f = 1;
  for (const l of leaks) f *= 1 - (1 - l.floor) * leakSeverity(l, bornMinute, minute);
  return f;
}

/**
 * Service-time multiplier of a leaking replica: GC pauses slow every request long before
 * the lost capacity saturates the service, which is what makes a leak visible early.
 */
export function gcSlowdown(leaks: Effects['leaks'], bornMinute: number, minute: number): number {
  let f = 1;
  for (const l of leaks) f *= 1 + l.gcLatencyFactor * leakSeverity(l, bornMinute, minute);
  return f;
}

/** 0 for a fresh replica, 1 at the end of the ramp. */
function leakSeverity(l: Effects['leaks'][number], bornMinute: number, minute: number): number {
  const exposed = Math.max(0, minute - Math.max(l.start, bornMinute));
  return Math.min(1, exposed / l.rampMinutes);
}
