import { ForesightError } from '../../../core/errors.ts';
import { simulatorOptionsSchema, type SimulatorOptions, type SimulatorOptionsInput } from './config.ts';
import { effectsAt, gcSlowdown, leakFactor, type IncidentWindow } from './incidents.ts';
import { parseRoutes, renderEvent, renderRequest, type Outcome, type Route } from './lines.ts';
import { combineRates, diurnalRps, poisson, stepService } from './model.ts';
import { createRng, deriveSeed, type Rng } from './rng.ts';
import { callOrder, defaultRoutes, durationOf, isPredictable, rampOf, workersOf, type Scenario, type ServiceSpec } from './scenario.ts';
import type {
  ControlAction, GroundTruth, IncidentTruth, ServiceTruth, SimulatorControl, StepResult,
} from './types.ts';
import { formatIssues } from './validate.ts';

/**
 * A simulated fleet of services: load with a diurnal curve, replicas with capacity, a
 * queueing model for latency and errors, incidents that bend those, and sampled request
 * logs. Deterministic for a seed: each service draws its load noise from its own stream,
 * so runs with different remediation (the evaluation's arms) see the same demand.
 */

export interface Simulator {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly stepMs: number;
  readonly startTime: number;
  /** Simulated time: the end of the last step. */
  now(): number;
  step(): StepResult;
  /** Steps covering the next `minutes` simulated minutes. */
  run(minutes: number): Generator<StepResult, void, void>;
  readonly control: SimulatorControl;
  groundTruth(): GroundTruth;
}

interface Replica {
  id: number;
  /** Minute from which it leaks (when it started serving). */
  bornMinute: number;
  readyAt: number;
  announced: boolean;
  /** After a restart: serving from `from`, cold (capacity share `cold`) until full speed at `until`. */
  warm?: { from: number; until: number; cold: number };
  /** Service-time multiplier of the version it runs (a rollout's new version). */
  versionFactor: number;
}

/** Capacity share of a ready replica: 1, or warming up linearly from cold after a restart. */
function warmShare(r: Replica, t: number): number {
  const w = r.warm;
  if (!w || t >= w.until) return 1;
  return w.cold + (1 - w.cold) * Math.max(0, (t - w.from) / Math.max(1, w.until - w.from));
}

interface ServiceRuntime {
  spec: ServiceSpec;
  routes: Route[];
  dependency: string;
  noiseRng: Rng;
  lineRng: Rng;
  /** Arrivals (Poisson) and bursts: streams of their own, so demand stays identical across arms. */
  arrivalRng: Rng;
  burstRng: Rng;
  burstUntil: number;
  workers: number;
  /** Callees (runtime) with the share of requests that call them. */
  callees: Array<{ s: ServiceRuntime; share: number }>;
  noise: number;
  backlog: number;
  shift: number;
  replicas: Replica[];
  nextReplicaId: number;
  incidentIdx: number[];
  windows: IncidentWindow[];
  /** Lines sampled per request offered; tuned so peak diurnal load uses half the cap. */
  linesPerRequest: number;
  pendingEvents: Array<{ level: 'info' | 'warn'; message: string; host: string }>;
  last: ServiceTruth;
  breachStart: number | undefined;
  breaches: Array<{ start: number; end: number }>;
  breachMs: number;
  replicaMs: number;
  replicaChanges: Array<{ t: number; replicas: number }>;
}

const MINUTE = 60_000;

export function createSimulator(scenario: Scenario, options: SimulatorOptionsInput = {}): Simulator {
  const parsed = simulatorOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ForesightError('CONFIG_INVALID', `simulator options: ${formatIssues(parsed.error)}`);
  const opts: SimulatorOptions = parsed.data;
  const seed = opts.seed ?? scenario.seed ?? 1;
  const { stepMs, startTime } = opts;
  const stepSec = stepMs / 1000;
  const stepMinutes = stepMs / MINUTE;
  const duration = scenario.durationMinutes;

  let steps = 0;
  let cycle = -1;
  const rolledBack = new Map<string, number>();
  const actions: ControlAction[] = [];
  const svcs = new Map<string, ServiceRuntime>();

  scenario.services.forEach((spec) => {
    const replicas: Replica[] = [];
    for (let i = 1; i <= spec.replicas; i++) replicas.push({ id: i, bornMinute: 0, readyAt: startTime, announced: true, versionFactor: 1 });
    const idle: ServiceTruth = {
      rps: 0, demandRps: 0, capacityRps: spec.replicas * spec.perReplicaRps, utilisation: 0, meanMs: spec.baseLatencyMs, p50: spec.baseLatencyMs,
      p95: spec.baseLatencyMs, errorRate: 0, replicas: spec.replicas, pending: 0, backlog: 0, breaching: false,
    };
    svcs.set(spec.name, {
      spec,
      routes: parseRoutes(spec.routes ?? defaultRoutes(spec.name)),
      dependency: spec.dependency ?? `${spec.name}-db`,
      noiseRng: createRng(deriveSeed(seed, `noise:${spec.name}`)),
      lineRng: createRng(deriveSeed(seed, `lines:${spec.name}`)),
      arrivalRng: createRng(deriveSeed(seed, `arrivals:${spec.name}`)),
      burstRng: createRng(deriveSeed(seed, `bursts:${spec.name}`)),
      burstUntil: -Infinity,
      workers: workersOf(spec),
      callees: [],
      noise: 0,
      backlog: 0,
      shift: 0,
      replicas,
      nextReplicaId: spec.replicas + 1,
      incidentIdx: scenario.incidents.flatMap((inc, i) => (inc.service === spec.name ? [i] : [])),
      windows: [],
      linesPerRequest: Math.min(1, (0.5 * opts.maxLinesPerServicePerStep) / Math.max(1e-9, spec.load.peakRps * stepSec)),
      pendingEvents: [],
      last: idle,
      breachStart: undefined,
      breaches: [],
      breachMs: 0,
      replicaMs: 0,
      replicaChanges: [{ t: startTime, replicas: spec.replicas }],
    });
  });

  for (const s of svcs.values()) s.callees = (s.spec.calls ?? []).map((c) => ({ s: svcs.get(c.service)!, share: c.share }));
  // Callees step before their callers, so a caller sees its callees' latency of the same step.
  const stepOrder = (callOrder(scenario.services) ?? scenario.services.map((_, i) => i)).map((i) => svcs.get(scenario.services[i]!.name)!);

  const now = (): number => startTime + steps * stepMs;
  const minuteOf = (t: number): number => (t - startTime) / MINUTE;

  function windowsFor(s: ServiceRuntime, c: number): IncidentWindow[] {
    if (opts.afterEnd === 'steady' && c > 0) return [];
    const passStart = c * duration;
    return s.incidentIdx.map((i) => {
      const incident = scenario.incidents[i]!;
      const start = passStart + incident.startMinute;
      let end = Math.min(start + (durationOf(incident) ?? Infinity), passStart + duration);
      const rb = rolledBack.get(`${c}:${i}`);
      if (rb !== undefined) end = Math.min(end, rb);
      return { incident, start, end };
    });
  }

  function get(service: string): ServiceRuntime {
    const s = svcs.get(service);
    if (!s) throw new ForesightError('ACTUATOR_FAILED', `the simulator has no service "${service}" (services: ${[...svcs.keys()].join(', ')})`);
    return s;
  }

  function recordReplicas(s: ServiceRuntime): void {
    const last = s.replicaChanges[s.replicaChanges.length - 1];
    const t = now();
    if (last && last.t === t) last.replicas = s.replicas.length;
    else s.replicaChanges.push({ t, replicas: s.replicas.length });
  }

  /** Restarts (OOM kills, crashes) and rollout replacements whose minute falls in this step. */
  function restartsDue(s: ServiceRuntime, t: number, minute: number): void {
    const inStep = (m: number): boolean => m >= minute && m < minute + stepMinutes;
    const host = (r: Replica): string => `${s.spec.name}-${r.id}`;
    for (const w of s.windows) {
      const inc = w.incident;
      if (inc.kind !== 'restart' && inc.kind !== 'rollout') continue;
      const byId = [...s.replicas].sort((a, b) => a.id - b.id);
      let hit: Replica[] = [];
      if (inc.kind === 'restart' && inStep(w.start)) hit = byId.slice(0, inc.replicas);
      if (inc.kind === 'rollout') {
        // Replica k (by id) is replaced at start + k × interval.
        for (let k = 0; k < byId.length && w.start + k * inc.intervalMinutes < Math.min(w.end, minute + stepMinutes); k++) {
          if (inStep(w.start + k * inc.intervalMinutes)) hit.push(byId[k]!);
        }
      }
      for (const r of hit) {
        const readyAt = t + inc.downSeconds * 1000;
        r.readyAt = readyAt;
        r.announced = false;
        // A fresh process: a leak starts over from here.
        r.bornMinute = minuteOf(readyAt);
        r.warm = { from: readyAt, until: readyAt + inc.warmupMinutes * MINUTE, cold: inc.coldFactor };
        let message: string;
        let level: 'info' | 'warn' = 'warn';
        if (inc.kind === 'rollout') {
          r.versionFactor = inc.latencyFactor;
          level = 'info';
          message = `rolling out ${inc.version}: replacing ${host(r)}`;
        } else {
          message = inc.reason === 'oom-kill' ? `container ${host(r)} OOMKilled (exit code 137), restarting` : `container ${host(r)} exited with code 1, restarting`;
        }
        s.pendingEvents.push({ level, host: host(r), message });
      }
    }
  }

  function upstreamOf(s: ServiceRuntime, rng: Rng): string {
    // The callee whose error it is, in proportion to what each passes on.
    const weights = s.callees.map((c) => c.share * c.s.last.errorRate);
    let u = rng.next() * weights.reduce((a, b) => a + b, 0);
    for (const [i, c] of s.callees.entries()) {
      u -= weights[i]!;
      if (u <= 0) return c.s.spec.name;
    }
    return s.callees[s.callees.length - 1]?.s.spec.name ?? s.dependency;
  }

  function stepOne(s: ServiceRuntime, t: number, minute: number, out: Array<{ ts: number; line: string }>): ServiceTruth {
    const { spec } = s;
    const emit = opts.maxLinesPerServicePerStep > 0;
    const host = (r: Replica): string => `${spec.name}-${r.id}`;
    const ready: Replica[] = [];
    for (const r of s.replicas) {
      if (r.readyAt > t) continue;
      ready.push(r);
      if (!r.announced) {
        r.announced = true;
        s.pendingEvents.push({ level: 'info', host: host(r), message: `replica ${host(r)} ready after warm-up` });
      }
    }
    const eff = effectsAt(s.windows, minute);
    restartsDue(s, t, minute);
    let cpu = 0;
    let warmSum = 0;
    let slowdown = 0;
    let worst: { r: Replica; f: number } | undefined;
    for (const r of ready) {
      const f = leakFactor(eff.leaks, r.bornMinute, minute);
      const w = warmShare(r, t);
      cpu += spec.perReplicaRps * f * w;
      warmSum += w;
      // A cold replica is slower per request too (caches, JIT): × (2 − share) while warming.
      slowdown += gcSlowdown(eff.leaks, r.bornMinute, minute) * r.versionFactor * (2 - w);
      if (!worst || f < worst.f) worst = { r, f };
    }
    // Requests spread evenly, so the service sees the mean slowdown of its replicas.
    slowdown = ready.length > 0 ? slowdown / ready.length : 1;
    // Load noise is correlated over about a minute, like real traffic, not white per step.
    const phi = Math.exp(-stepSec / 60);
    s.noise = phi * s.noise + Math.sqrt(1 - phi * phi) * spec.load.noise * s.noiseRng.normal();
    const b = spec.load.bursts;
    // One draw per step whatever happens, so the stream stays aligned across arms.
    const burstDraw = s.burstRng.next();
    if (b && t >= s.burstUntil && burstDraw < (b.perHour * stepSec) / 3600) s.burstUntil = t + b.seconds * 1000;
    const burst = b && t < s.burstUntil ? b.multiplier : 1;
    const day = new Date(t).getUTCDay();
    const weekly = day === 0 || day === 6 ? spec.load.weekendFactor : 1;
    const meanDemand = diurnalRps(minute, spec.load) * weekly * eff.loadFactor * burst * Math.max(0, 1 + s.noise);
    // Requests arrive as a Poisson process: at low rates the count itself is noisy.
    const demandRps = spec.load.poissonArrivals ? poisson(meanDemand * stepSec, s.arrivalRng.next, s.arrivalRng.normal) / stepSec : meanDemand;
    const rps = demandRps * (1 - s.shift);
    // A request waits for the callees it calls, and fails when they fail.
    let calleeMs = 0;
    let calleeErrors = 0;
    for (const c of s.callees) {
      calleeMs += c.share * c.s.last.meanMs;
      calleeErrors = combineRates(calleeErrors, c.share * c.s.last.errorRate);
    }
    const serviceMs = spec.baseLatencyMs * eff.latencyFactor * slowdown + eff.addLatencyMs + calleeMs;
    // Little's law: a replica's workers serve at most workers / service time; slower requests
    // hold them longer, so a slow dependency or deploy saturates a service that CPU would not.
    const poolRps = Number.isFinite(s.workers) ? (warmSum * s.workers * 1000) / serviceMs : Infinity;
    const capacity = Math.min(cpu, poolRps);
    const m = stepService({
      demandRps: rps, capacityRps: capacity, readyReplicas: ready.length, serviceMs, spread: spec.latencySpread,
      backlog: s.backlog, stepSec, timeoutMs: spec.timeoutMs,
    });
    s.backlog = m.backlog;
    const appRate = combineRates(spec.baseErrorRate, eff.appErrorRate);
    const errorRate = combineRates(appRate, eff.dependencyErrorRate, calleeErrors, m.saturationErrorRate, m.dropRate);
    const truth: ServiceTruth = {
      rps, demandRps, capacityRps: capacity, utilisation: m.utilisation, meanMs: m.meanMs, p50: m.p50Ms, p95: m.p95Ms, errorRate,
      replicas: ready.length, pending: s.replicas.length - ready.length, backlog: m.backlog, breaching: m.p95Ms > spec.sloP95Ms,
    };

    if (truth.breaching) {
      s.breachStart ??= t;
      s.breachMs += stepMs;
    } else if (s.breachStart !== undefined) {
      s.breaches.push({ start: s.breachStart, end: t });
      s.breachStart = undefined;
    }
    s.replicaMs += s.replicas.length * stepMs;

    if (!emit) { s.pendingEvents.length = 0; return truth; }
    const rng = s.lineRng;
    for (const ev of s.pendingEvents) out.push({ ts: t, line: renderEvent(t, spec.name, ev.host, ev.level, ev.message) });
    s.pendingEvents.length = 0;
    for (const w of s.windows) {
      if (w.incident.kind === 'bad-deploy' && w.start >= minute && w.start < minute + stepMinutes) {
        const ts = startTime + Math.round(w.start * MINUTE);
        for (const r of ready) out.push({ ts, line: renderEvent(ts, spec.name, host(r), 'info', `deployed ${w.incident.version} to ${host(r)}`) });
      }
    }
    if (worst && worst.f < 0.75 && rng.next() < 1 - worst.f) {
      const ts = t + rng.int(stepMs);
      const heap = Math.min(99, Math.round(60 + 45 * (1 - worst.f)));
      const pause = Math.round(30 + 500 * (1 - worst.f) * rng.next());
      out.push({ ts, line: renderEvent(ts, spec.name, host(worst.r), 'warn', `GC pause ${pause} ms on ${host(worst.r)}: heap ${heap}% used`) });
    }

    // One line per request, sampled; the line declares the rate so ingest can count requests.
    const requests = rps * stepSec;
    const rate = Math.min(s.linesPerRequest, requests > 0 ? opts.maxLinesPerServicePerStep / requests : 1);
    const n = Math.min(opts.maxLinesPerServicePerStep, Math.floor(requests * rate + rng.next()));
    const sampleRate = Number(rate.toPrecision(6));
    const upCut = calleeErrors;
    const depCut = upCut + eff.dependencyErrorRate;
    const dropCut = depCut + m.dropRate;
    const satCut = dropCut + m.saturationErrorRate;
    const appCut = satCut + appRate;
    const deployShare = appRate > 0 ? eff.appErrorRate / appRate : 0;
    const slowMs = spec.sloP95Ms;
    for (let k = 0; k < n && ready.length > 0; k++) {
      const ts = t + rng.int(stepMs);
      const u = rng.next();
      let outcome: Outcome = 'ok';
      if (u < upCut) outcome = 'upstream';
      else if (u < depCut) outcome = 'dependency';
      else if (u < dropCut) outcome = 'dropped';
      else if (u < satCut) outcome = 'saturated';
      else if (u < appCut) outcome = rng.next() < deployShare ? 'deploy_error' : 'app_error';
      const latencyMs = outcome === 'dropped' ? spec.timeoutMs : m.backlogWaitMs + m.medianMs * Math.exp(m.sigma * rng.normal());
      const r = ready[rng.int(ready.length)]!;
      const line = renderRequest(rng, {
        ts, service: spec.name, host: host(r), route: s.routes[rng.int(s.routes.length)]!, latencyMs, outcome,
        slowMs, dependency: s.dependency, version: eff.deployVersion, timeoutMs: spec.timeoutMs, sampleRate,
        upstream: outcome === 'upstream' ? upstreamOf(s, rng) : undefined,
      });
      out.push({ ts, line });
    }
    return truth;
  }

  function step(): StepResult {
    const t = now();
    const minute = minuteOf(t);
    const c = Math.floor(minute / duration);
    if (c !== cycle) {
      cycle = c;
      for (const s of svcs.values()) s.windows = windowsFor(s, c);
    }
    const out: Array<{ ts: number; line: string }> = [];
    const truth: Record<string, ServiceTruth> = {};
    for (const s of stepOrder) {
      s.last = stepOne(s, t, minute, out);
    }
    for (const s of svcs.values()) truth[s.spec.name] = s.last;
    steps++;
    out.sort((a, b) => a.ts - b.ts);
    return { t, end: t + stepMs, lines: out.map((o) => o.line), truth };
  }

  function* run(minutes: number): Generator<StepResult, void, void> {
    const n = Math.ceil((minutes * MINUTE) / stepMs);
    for (let i = 0; i < n; i++) yield step();
  }

  const control: SimulatorControl = {
    scale(service, toReplicas) {
      const s = get(service);
      if (!Number.isInteger(toReplicas) || toReplicas < 1 || toReplicas > s.spec.maxReplicas) {
        throw new ForesightError('ACTUATOR_FAILED', `cannot scale ${service} to ${toReplicas}: replicas must be an integer in 1..${s.spec.maxReplicas}`);
      }
      const t = now();
      const from = s.replicas.length;
      const readyAt = t + opts.scaleOutWarmupMs;
      for (let i = from; i < toReplicas; i++) {
        s.replicas.push({ id: s.nextReplicaId++, bornMinute: minuteOf(readyAt), readyAt, announced: false, versionFactor: 1 });
      }
      if (toReplicas < from) {
        // Like a Kubernetes ReplicaSet: replicas not yet ready go first, then the newest.
        const order = [...s.replicas].sort((a, b) => (b.readyAt > t ? 1 : 0) - (a.readyAt > t ? 1 : 0) || b.id - a.id);
        const gone = new Set(order.slice(0, from - toReplicas));
        s.replicas = s.replicas.filter((r) => !gone.has(r));
      }
      if (toReplicas !== from) recordReplicas(s);
      actions.push({ t, service, kind: 'scale', from, to: toReplicas });
      return { from, to: toReplicas, readyAt: toReplicas > from ? readyAt : t };
    },
    shiftTraffic(service, share) {
      const s = get(service);
      if (!(share >= 0 && share <= 1)) throw new ForesightError('ACTUATOR_FAILED', `cannot shift ${share} of ${service}'s traffic: share must be in 0..1`);
      const from = s.shift;
      s.shift = share;
      actions.push({ t: now(), service, kind: 'shift_traffic', from, to: share });
      return { from, to: share };
    },
    rollback(service) {
      const s = get(service);
      const t = now();
      const minute = minuteOf(t);
      let any = false;
      for (const i of s.incidentIdx) {
        const w = s.windows.find((x) => x.incident === scenario.incidents[i]);
        if (w && w.incident.kind === 'bad-deploy' && w.start <= minute && minute < w.end) {
          rolledBack.set(`${cycle}:${i}`, minute);
          any = true;
        }
      }
      // A rollout of a slow version is undone on every replica it reached.
      if (s.replicas.some((r) => r.versionFactor !== 1)) {
        for (const r of s.replicas) r.versionFactor = 1;
        any = true;
      }
      if (any) {
        s.windows = windowsFor(s, cycle);
        s.pendingEvents.push({ level: 'info', host: `${service}-deployer`, message: `rolled back ${service} to the previous version` });
      }
      actions.push({ t, service, kind: 'rollback', from: any ? 1 : 0, to: 0 });
      return any;
    },
    replicas: (service) => get(service).replicas.length,
    state(service) {
      const s = get(service);
      const ready = s.replicas.filter((r) => r.readyAt <= now()).length;
      return {
        ...s.last, replicas: ready, pending: s.replicas.length - ready, desired: s.replicas.length,
        trafficShare: s.shift, maxReplicas: s.spec.maxReplicas,
      };
    },
    services: () => [...svcs.keys()],
  };

  function groundTruth(): GroundTruth {
    const t = now();
    const services: GroundTruth['services'] = {};
    for (const s of svcs.values()) {
      const breaches = s.breaches.map((b) => ({ start: b.start, end: b.end as number | null }));
      if (s.breachStart !== undefined) breaches.push({ start: s.breachStart, end: null });
      services[s.spec.name] = {
        sloP95Ms: s.spec.sloP95Ms,
        breaches,
        firstBreachAt: breaches[0]?.start ?? null,
        breachMinutes: s.breachMs / MINUTE,
        replicaMinutes: s.replicaMs / MINUTE,
        replicaChanges: s.replicaChanges.map((c) => ({ ...c })),
      };
    }
    const incidents: IncidentTruth[] = [];
    const lastPass = Math.max(0, cycle);
    for (let c = 0; c <= lastPass; c++) {
      for (const s of svcs.values()) {
        for (const w of windowsFor(s, c)) {
          const start = startTime + Math.round(w.start * MINUTE);
          if (start >= t) continue;
          const end = Number.isFinite(w.end) ? startTime + Math.round(w.end * MINUTE) : null;
          const hit = services[s.spec.name]!.breaches.find((b) => (b.end === null || b.end > start) && (end === null || b.start < end));
          incidents.push({
            kind: w.incident.kind, service: s.spec.name, index: scenario.incidents.indexOf(w.incident), pass: c, start, end,
            rampMinutes: rampOf(w.incident), predictable: isPredictable(w.incident),
            firstBreachAt: hit ? Math.max(hit.start, start) : null,
          });
        }
      }
    }
    incidents.sort((a, b) => a.start - b.start || a.index - b.index);
    return { seed, startTime, stepMs, now: t, steps, services, incidents, actions: actions.map((a) => ({ ...a })) };
  }

  return {
    scenario, seed, stepMs, startTime,
    now, step, run, control, groundTruth,
  };
}

