/**
 * The queueing model of one service over one time step. Pure: state in, state out.
 *
 * Latency is lognormal per request. Its mean follows Sakasegawa's M/M/c approximation of
 * queueing delay, Wq/S ≈ ρ^(√(2(c+1))−1) / (c(1−ρ)), so it stays near the base service time
 * at moderate load and climbs steeply as utilisation ρ nears 1. Past ρ ≈ 1 that formula has
 * no steady state, so a backlog (requests waiting) is carried from step to step instead and
 * its drain time is added to every request: latency keeps climbing while overloaded rather
 * than jumping to a cap, until waits reach the timeout and the excess is dropped (503s).
 */

/** Utilisation at which the steady-state formula is frozen; the backlog models the rest. */
const RHO_STEADY_CAP = 0.97;
/** p95 of a standard normal. */
const Z95 = 1.6448536269514722;

export interface StepInput {
  /** Requests per second offered to this service in the step. */
  demandRps: number;
  /** Requests per second the ready replicas can serve. */
  capacityRps: number;
  readyReplicas: number;
  /** Service time of one request when idle, incidents included. */
  serviceMs: number;
  /** Lognormal shape when idle. */
  spread: number;
  /** Requests waiting at the start of the step. */
  backlog: number;
  stepSec: number;
  timeoutMs: number;
}

export interface StepOutput {
  utilisation: number;
  /** Mean latency of a request (queueing and backlog included): what a caller waits. */
  meanMs: number;
  /** Requests waiting at the end of the step. */
  backlog: number;
  /** Mean time to drain the backlog over the step, added to every request. */
  backlogWaitMs: number;
  /** Lognormal parameters of the part of latency that is not backlog wait. */
  medianMs: number;
  sigma: number;
  p50Ms: number;
  p95Ms: number;
  /** Share of offered requests dropped because they would wait past the timeout. */
  dropRate: number;
  /** Share failing because the service is saturated (rejections, not drops). */
  saturationErrorRate: number;
}

export function stepService(i: StepInput): StepOutput {
  const { demandRps, capacityRps, stepSec } = i;
  const rho = capacityRps > 0 ? demandRps / capacityRps : (demandRps > 0 ? Infinity : 0);
  const c = Math.max(1, i.readyReplicas);
  const r = Math.min(rho, RHO_STEADY_CAP);
  const queueRatio = r <= 0 ? 0 : Math.pow(r, Math.sqrt(2 * (c + 1)) - 1) / (c * (1 - r));
  const meanMs = i.serviceMs * (1 + queueRatio);
  // Queueing fattens the tail: a busy service is not just slower on average but more erratic.
  const sigma = i.spread + 0.3 * Math.min(rho, 1) ** 2;
  const medianMs = meanMs * Math.exp(-(sigma * sigma) / 2);

  const offered = demandRps * stepSec;
  const grown = Math.max(0, i.backlog + (demandRps - capacityRps) * stepSec);
  const maxBacklog = capacityRps * (i.timeoutMs / 1000);
  const dropped = Math.max(0, grown - maxBacklog);
  const backlog = Math.min(grown, maxBacklog);
  const meanBacklog = (i.backlog + backlog) / 2;
  const backlogWaitMs = capacityRps > 0 ? Math.min(i.timeoutMs, (meanBacklog / capacityRps) * 1000) : i.timeoutMs;
  const dropRate = offered > 0 ? Math.min(1, dropped / offered) : 0;
  // Rejections start a little before saturation (full connection pools, health checks failing).
  const saturationErrorRate = Math.min(0.1, Math.max(0, (rho - 0.9) * 0.5));

  return {
    utilisation: rho,
    meanMs: backlogWaitMs + meanMs,
    backlog,
    backlogWaitMs,
    medianMs,
    sigma,
    p50Ms: backlogWaitMs + medianMs,
    p95Ms: backlogWaitMs + medianMs * Math.exp(Z95 * sigma),
    dropRate,
    saturationErrorRate,
  };
}

export interface LoadShape {
  peakRps: number;
  troughRps: number;
  peakAtMinute: number;
  periodMinutes: number;
  secondPeak?: { atMinute: number; share: number } | undefined;
}

/**
 * Diurnal request rate: a cosine between trough and peak, highest at `peakAtMinute`. With a
 * second peak, each peak is a squared raised cosine (narrower, so the day dips between
 * them) and the curve is the higher of the two.
 */
export function diurnalRps(minute: number, load: LoadShape): number {
  const bump = (at: number): number => (1 + Math.cos((2 * Math.PI * (minute - at)) / load.periodMinutes)) / 2;
  const sp = load.secondPeak;
  const shape = sp ? Math.max(bump(load.peakAtMinute) ** 2, sp.share * bump(sp.atMinute) ** 2) : bump(load.peakAtMinute);
  return load.troughRps + (load.peakRps - load.troughRps) * shape;
}

/**
 * A Poisson draw with mean `lambda`: requests arriving in a step. Exact (Knuth) below 30,
 * normal approximation above. Low-rate services are noisy because arrivals are.
 */
export function poisson(lambda: number, next: () => number, normal: () => number): number {
  if (!(lambda > 0)) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = next();
  while (p > limit) { k++; p *= next(); }
  return k;
}

/** Combines independent failure shares into one. */
export function combineRates(...rates: number[]): number {
  let ok = 1;
  for (const r of rates) ok *= 1 - Math.min(1, Math.max(0, r));
  return 1 - ok;
}
