import { z } from 'zod';

/**
 * The scenario format (documented in docs/scenarios.md). Objects are strict so a misspelt
 * key is an error rather than a silently ignored setting; defaults live here and only here.
 */

const serviceName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes, starting with a letter');

const loadSchema = z.strictObject({
  /** Request rate at the top of the diurnal curve. */
  peakRps: z.number().positive(),
  /** Request rate at the bottom of the curve. */
  troughRps: z.number().nonnegative(),
  /** Scenario minute at which the curve peaks (its phase). */
  peakAtMinute: z.number().default(720),
  periodMinutes: z.number().positive().default(1440),
  /** Relative standard deviation of the (minute-correlated) load noise. */
  noise: z.number().min(0).max(0.5).default(0.05),
  /**
   * A second daily peak (lunchtime and evening): its minute and its height as a share of the
   * first. With it, both peaks are narrower (squared raised cosines) so the day has a dip.
   */
  secondPeak: z.strictObject({
    atMinute: z.number(),
    share: z.number().gt(0).max(1),
  }).optional(),
  /**
   * Requests arrive as a Poisson process: the count per step is drawn around the rate, so a
   * service at a few requests per second is as noisy as a real one. Off: the rate itself.
   */
  poissonArrivals: z.boolean().default(false),
  /** Load on Saturdays and Sundays (UTC, from the simulated clock) as a share of weekdays. */
  weekendFactor: z.number().positive().max(5).default(1),
  /** Short random bursts (a retry storm, a crawler): start at random, `perHour` on average. */
  bursts: z.strictObject({
    perHour: z.number().positive().max(60),
    multiplier: z.number().gt(1).max(10).default(1.6),
    seconds: z.number().positive().max(3600).default(60),
  }).optional(),
}).refine((l) => l.troughRps <= l.peakRps, { path: ['troughRps'], message: 'must not exceed peakRps' });

const routeSchema = z.string().regex(/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/, 'must look like "GET /api/orders/{id}"');

export const serviceSchema = z.strictObject({
  name: serviceName,
  replicas: z.number().int().min(1),
  maxReplicas: z.number().int().min(1).default(50),
  perReplicaRps: z.number().positive(),
  baseLatencyMs: z.number().positive(),
  sloP95Ms: z.number().positive(),
  load: loadSchema,
  /** Share of requests that fail even when healthy. */
  baseErrorRate: z.number().min(0).max(1).default(0.002),
  /** Lognormal shape of per-request latency when idle; queueing widens it. */
  latencySpread: z.number().positive().max(2).default(0.35),
  /** Requests waiting longer than this are dropped with a 503. */
  timeoutMs: z.number().positive().default(10_000),
  /** Routes; `{id}` is replaced by a number. Default: two routes named after the service. */
  routes: z.array(routeSchema).min(1).optional(),
  /** The upstream named in dependency incidents' messages. */
  dependency: serviceName.optional(),
  /**
   * Concurrent requests one replica serves (its worker pool). Capacity per replica is the
   * smaller of `perReplicaRps` and workers / service time (Little's law), so slower requests
   * (a slow dependency, a bad deploy, a slow callee) hold workers and cut capacity. Unset: no
   * pool limit (capacity does not depend on service time), as before the key existed.
   */
  workersPerReplica: z.number().int().positive().max(100_000).optional(),
  /** Services this one calls per request: a callee's latency and errors add to this one's. */
  calls: z.array(z.strictObject({
    service: serviceName,
    /** Share of this service's requests that call it. */
    share: z.number().gt(0).max(1).default(1),
  })).optional(),
}).refine((s) => s.replicas <= s.maxReplicas, { path: ['replicas'], message: 'must not exceed maxReplicas' });

const base = {
  service: serviceName,
  startMinute: z.number().min(0),
  /** Overrides the default: true when the incident ramps for at least 20 minutes. */
  predictable: z.boolean().optional(),
};

const memoryLeak = z.strictObject({
  ...base,
  kind: z.literal('memory-leak'),
  /** Minutes for a replica to fall from full capacity to `floor`. */
  rampMinutes: z.number().positive(),
  /** Capacity share a replica keeps at the end of the ramp. */
  floor: z.number().min(0.05).max(1).default(0.35),
  /** Extra service time (GC pauses) at the end of the ramp, as a share of the base: 1 = twice as slow. */
  gcLatencyFactor: z.number().min(0).max(20).default(1),
  /** Unset: the leak lasts until the scenario ends (or is outrun by fresh replicas). */
  durationMinutes: z.number().positive().optional(),
});

const trafficSurge = z.strictObject({
  ...base,
  kind: z.literal('traffic-surge'),
  rampMinutes: z.number().positive(),
  holdMinutes: z.number().min(0).default(20),
  decayMinutes: z.number().min(0).default(10),
  /** Load multiplier at the top of the surge. */
  multiplier: z.number().gt(1).max(50),
});

const badDeploy = z.strictObject({
  ...base,
  kind: z.literal('bad-deploy'),
  /** Service time multiplier from the deploy on. */
  latencyFactor: z.number().min(1).max(100).default(2.5),
  /** Extra share of requests failing with 500. */
  errorRate: z.number().min(0).max(1).default(0.02),
  version: z.string().min(1).max(40).default('v2.0.1'),
  /** Unset: until rolled back or the scenario ends. */
  durationMinutes: z.number().positive().optional(),
});

const dependencyOutage = z.strictObject({
  ...base,
  kind: z.literal('dependency-outage'),
  durationMinutes: z.number().positive().default(10),
  errorRate: z.number().min(0).max(1).default(0.4),
  latencyAddMs: z.number().min(0).default(150),
});

const slowDependency = z.strictObject({
  ...base,
  kind: z.literal('slow-dependency'),
  rampMinutes: z.number().positive(),
  /** Latency added at the end of the ramp, held until the incident ends. */
  addMs: z.number().positive(),
  durationMinutes: z.number().positive().optional(),
});

/** How a restarted replica comes back: down, then serving but cold (caches, JIT, pools). */
const restartKeys = {
  /** Seconds the replica serves nothing. */
  downSeconds: z.number().min(0).max(3600).default(30),
  /** Minutes from serving again to full speed. */
  warmupMinutes: z.number().min(0).max(120).default(3),
  /** Capacity share when it starts serving again; its service time is × (2 − coldFactor) then. */
  coldFactor: z.number().min(0.05).max(1).default(0.5),
};

const restart = z.strictObject({
  ...base,
  kind: z.literal('restart'),
  /** Replicas restarted at once (the lowest-numbered ones). */
  replicas: z.number().int().min(1).default(1),
  reason: z.enum(['oom-kill', 'crash']).default('oom-kill'),
  ...restartKeys,
});

const rollout = z.strictObject({
  ...base,
  kind: z.literal('rollout'),
  version: z.string().min(1).max(40).default('v2.0.1'),
  /** Minutes between replacing one replica and the next. */
  intervalMinutes: z.number().positive().max(120).default(1),
  /** Service-time multiplier of the new version on replicas already replaced (1: a good release). */
  latencyFactor: z.number().min(0.1).max(100).default(1),
  ...restartKeys,
});

export const incidentSchema = z.discriminatedUnion('kind', [memoryLeak, trafficSurge, badDeploy, dependencyOutage, slowDependency, restart, rollout]);

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100),
  description: z.string().default(''),
  /** Length of one pass; longer runs loop it (or continue steady, see SimulatorOptions.afterEnd). */
  durationMinutes: z.number().positive().max(100_000).default(240),
  /** Used when the caller gives no seed. */
  seed: z.number().int().optional(),
  services: z.array(serviceSchema).min(1).max(100),
  incidents: z.array(incidentSchema).default([]),
}).superRefine((s, ctx) => {
  const names = new Set<string>();
  s.services.forEach((svc, i) => {
    if (names.has(svc.name)) ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service name "${svc.name}"` });
    names.add(svc.name);
  });
  s.services.forEach((svc, i) => {
    (svc.calls ?? []).forEach((c, j) => {
      if (!names.has(c.service)) ctx.addIssue({ code: 'custom', path: ['services', i, 'calls', j, 'service'], message: `unknown service "${c.service}"` });
      else if (c.service === svc.name) ctx.addIssue({ code: 'custom', path: ['services', i, 'calls', j, 'service'], message: 'a service cannot call itself' });
    });
  });
  if (callOrder(s.services) === undefined) ctx.addIssue({ code: 'custom', path: ['services'], message: 'calls form a cycle' });
  s.incidents.forEach((inc, i) => {
    if (!names.has(inc.service)) ctx.addIssue({ code: 'custom', path: ['incidents', i, 'service'], message: `unknown service "${inc.service}" (services: ${[...names].join(', ')})` });
    if (inc.startMinute >= s.durationMinutes) ctx.addIssue({ code: 'custom', path: ['incidents', i, 'startMinute'], message: `must be before durationMinutes (${s.durationMinutes})` });
  });
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ServiceSpec = Scenario['services'][number];
export type Incident = Scenario['incidents'][number];
export type IncidentKind = Incident['kind'];

/**
 * Service indexes with every callee before its callers (so a step computes callees first),
 * or undefined when the calls form a cycle. Unknown callees are ignored here.
 */
export function callOrder(services: ReadonlyArray<{ name: string; calls?: ReadonlyArray<{ service: string }> | undefined }>): number[] | undefined {
  const index = new Map(services.map((s, i) => [s.name, i]));
  const state = new Array<0 | 1 | 2>(services.length).fill(0);
  const out: number[] = [];
  const visit = (i: number): boolean => {
    if (state[i] === 2) return true;
    if (state[i] === 1) return false;
    state[i] = 1;
    for (const c of services[i]!.calls ?? []) {
      const j = index.get(c.service);
      if (j !== undefined && j !== i && !visit(j)) return false;
    }
    state[i] = 2;
    out.push(i);
    return true;
  };
  for (let i = 0; i < services.length; i++) if (!visit(i)) return undefined;
  return out;
}

/** Workers per replica: the declared pool, or no limit. */
export function workersOf(s: Pick<ServiceSpec, 'workersPerReplica'>): number {
  return s.workersPerReplica ?? Infinity;
}

/** Minutes an incident ramps before it bites; sudden incidents have none. */
export function rampOf(inc: Incident): number {
  return inc.kind === 'memory-leak' || inc.kind === 'traffic-surge' || inc.kind === 'slow-dependency' ? inc.rampMinutes : 0;
}

/** Whether a forecaster can be expected to see it coming: a ramp of at least 20 minutes. */
export function isPredictable(inc: Incident): boolean {
  return inc.predictable ?? rampOf(inc) >= 20;
}

/** Minutes from the incident's start to its end, or undefined when it lasts to the end. */
export function durationOf(inc: Incident): number | undefined {
  if (inc.kind === 'traffic-surge') return inc.rampMinutes + inc.holdMinutes + inc.decayMinutes;
  if (inc.kind === 'restart' || inc.kind === 'rollout') return undefined;
  return inc.durationMinutes;
}

export function defaultRoutes(service: string): string[] {
  return [`GET /api/${service}/{id}`, `GET /api/${service}`, `POST /api/${service}`];
}
