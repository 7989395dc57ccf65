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

export const incidentSchema = z.discriminatedUnion('kind', [memoryLeak, trafficSurge, badDeploy, dependencyOutage, slowDependency]);

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
  return inc.durationMinutes;
}

export function defaultRoutes(service: string): string[] {
  return [`GET /api/${service}/{id}`, `GET /api/${service}`, `POST /api/${service}`];
}
