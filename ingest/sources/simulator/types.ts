import type { IncidentKind } from './scenario.ts';

/**
 * The simulator's public shapes. Actuators and the evaluation depend on these only, not
 * on the simulator's internals.
 */

/** What the model says about one service over one step: the ground truth the logs sample. */
export interface ServiceTruth {
  /** Requests per second this service received (after any traffic shift). */
  rps: number;
  /** Requests per second before the shift moved a share to the standby. */
  demandRps: number;
  capacityRps: number;
  utilisation: number;
  /** Mean latency of a request (what a caller waits for it). */
  meanMs: number;
  p50: number;
  p95: number;
  errorRate: number;
  /** Ready replicas (serving). */
  replicas: number;
  /** Replicas started but still warming up. */
  pending: number;
  /** Requests waiting in the queue at the end of the step. */
  backlog: number;
  /** True p95 above the service's SLO. */
  breaching: boolean;
}

export interface StepResult {
  /** Simulated epoch ms of the step's start; its lines fall in [t, end). */
  t: number;
  end: number;
  /** NDJSON lines (no trailing newline), in timestamp order. */
  lines: string[];
  truth: Record<string, ServiceTruth>;
}

export interface ServiceState extends ServiceTruth {
  /** Ready plus pending: what a replica count query reports. */
  desired: number;
  /** Share of load currently moved to the standby. */
  trafficShare: number;
  maxReplicas: number;
}

/** Actuator commands the simulated world obeys; actions change what the logs show next. */
export interface SimulatorControl {
  /** Scale-out adds fresh replicas that serve after the warm-up; scale-in removes at once (pending first, then newest). */
  scale(service: string, toReplicas: number): { from: number; to: number; readyAt: number };
  /** Moves `share` (0..1) of the service's load to a standby that absorbs it. */
  shiftTraffic(service: string, share: number): { from: number; to: number };
  /** Ends an active bad deploy; false when there was none to roll back. */
  rollback(service: string): boolean;
  /** Ready plus pending replicas. */
  replicas(service: string): number;
  state(service: string): ServiceState;
  services(): string[];
}

export interface BreachInterval {
  start: number;
  /** Null while still breaching. */
  end: number | null;
}

export interface ServiceGroundTruth {
  sloP95Ms: number;
  breaches: BreachInterval[];
  firstBreachAt: number | null;
  breachMinutes: number;
  /** Replicas (ready + pending) integrated over simulated time. */
  replicaMinutes: number;
  /** Replica count (ready + pending) from each change on. */
  replicaChanges: Array<{ t: number; replicas: number }>;
}

export interface IncidentTruth {
  kind: IncidentKind;
  service: string;
  /** Index in the scenario's incident list. */
  index: number;
  /** Pass of the scenario (0 for the first; looping runs repeat incidents). */
  pass: number;
  start: number;
  /** Null when it lasts to the end of the run. */
  end: number | null;
  rampMinutes: number;
  predictable: boolean;
  /** When the service's true p95 first exceeded its SLO during the incident; null if it never did. */
  firstBreachAt: number | null;
}

export interface ControlAction {
  t: number;
  service: string;
  kind: 'scale' | 'shift_traffic' | 'rollback';
  /** Replicas (scale), standby share (shift_traffic), or 1/0 for whether a bad deploy was active (rollback). */
  from: number;
  to: number;
}

export interface GroundTruth {
  seed: number;
  startTime: number;
  stepMs: number;
  /** Simulated time reached (end of the last step). */
  now: number;
  steps: number;
  services: Record<string, ServiceGroundTruth>;
  incidents: IncidentTruth[];
  actions: ControlAction[];
}
