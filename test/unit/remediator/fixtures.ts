import { ManualClock } from '../../../core/clock.ts';
import { stableId } from '../../../core/ids.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import type { Detection } from '../../../detector/types.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { parseRemediatorConfig, servicePolicySchema, type RemediatorConfig, type ServicePolicy } from '../../../remediator/config.ts';
import { createSimulatorActuator, type SimulatorControl } from '../../../remediator/actuators/simulator.ts';
import { createRemediator, type Remediator } from '../../../remediator/index.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { ActionRecord, Actuator, RecordStore } from '../../../remediator/types.ts';

export const MIN = 60_000;
/** Aligned to the 5-minute decision window. */
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function breach(service: string, at: number, upper: number[] = [450, 520, 600, 700, 800, 900, 850, 800, 700, 600]): Detection {
  return {
    id: stableId('det', service, 'predicted_breach', at),
    service,
    metric: 'latency_p95',
    kind: 'predicted_breach',
    at,
    score: 0.9,
    threshold: 500,
    predictedBreachAt: at + 2 * MIN,
    leadTimeMs: 2 * MIN,
    forecast: { origin: at, stepMs: MIN, steps: upper.length, forecaster: 'test', median: upper.map((u) => u * 0.8), upper },
    evidence: { p95: 420 },
    modelVersion: 'test-1',
  };
}

export function anomaly(service: string, at: number): Detection {
  return { ...breach(service, at), id: stableId('det', service, 'anomaly', at), kind: 'anomaly', predictedBreachAt: undefined, leadTimeMs: undefined, forecast: undefined, score: 0.99, threshold: 0.95 };
}

export function point(service: string, windowStart: number, p95: number): MetricPoint {
  return {
    service, windowStart, windowMs: MIN, count: 100, errors: 0, errorRate: 0,
    latency: { p50: p95 / 2, p95, p99: p95 * 1.2, max: p95 * 1.5, mean: p95 / 2 },
    latencyCount: 100, levels: { info: 100 }, topTemplates: [],
  };
}

export class FakeSimulator implements SimulatorControl {
  readonly calls: string[] = [];
  readonly reps = new Map<string, number>();
  readonly shares = new Map<string, number>();
  constructor(initial: Record<string, number> = { checkout: 2 }) {
    for (const [k, v] of Object.entries(initial)) this.reps.set(k, v);
  }
  scale(service: string, toReplicas: number): void { this.calls.push(`scale ${service} ${toReplicas}`); this.reps.set(service, toReplicas); }
  shiftTraffic(service: string, share: number): void { this.calls.push(`shift ${service} ${share}`); this.shares.set(service, share); }
  replicas(service: string): number { return this.reps.get(service) ?? 1; }
}

/** An actuator that is not safe in dry run, recording what it was asked to do. */
export function spyActuator(name = 'spy'): Actuator & { seen: ActionRecord[] } {
  const seen: ActionRecord[] = [];
  return { name, seen, async execute(a) { seen.push(structuredClone(a)); return { ok: true, detail: 'done' }; } };
}

export const POLICY: ServicePolicy = servicePolicySchema.parse({ sloP95Ms: 500, minReplicas: 2, maxReplicas: 10 });

export interface Harness {
  clock: ManualClock;
  store: RecordStore;
  sim: FakeSimulator;
  spy: ReturnType<typeof spyActuator>;
  rem: Remediator;
  config: RemediatorConfig;
}

export function harness(over: Record<string, unknown> = {}, opts: { store?: RecordStore; policy?: ServicePolicy; sim?: FakeSimulator; replay?: boolean; wallClock?: () => number; actuators?: Actuator[]; processId?: string } = {}): Harness {
  const config = parseRemediatorConfig({ actuators: ['simulator'], ...over });
  const clock = new ManualClock(T0);
  const store = opts.store ?? new MemoryRecordStore();
  const sim = opts.sim ?? new FakeSimulator();
  const spy = spyActuator();
  const policy = opts.policy ?? POLICY;
  const rem = createRemediator(config, {
    clock, telemetry: new Telemetry(), store,
    actuators: [createSimulatorActuator(sim), spy, ...(opts.actuators ?? [])],
    policyFor: (s) => (s === 'checkout' ? policy : undefined),
    daemon: { instance: 'test-1', version: '0.1.0', configHash: 'abc' },
    replay: opts.replay ?? false,
    ...(opts.wallClock ? { wallClock: opts.wallClock } : {}),
    ...(opts.processId ? { processId: opts.processId } : {}),
  });
  return { clock, store, sim, spy, rem, config };
}

/** Feeds one window per minute from `from` (inclusive) to `to` (exclusive), closing each at its end. */
export async function minutes(h: Harness, from: number, to: number, p95: (m: number) => number, detect: (m: number) => Detection[] = () => []): Promise<ActionRecord[]> {
  const out: ActionRecord[] = [];
  for (let m = from; m < to; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    out.push(...(await h.rem.handle({ detections: detect(m), points: [point('checkout', T0 + m * MIN, p95(m))] })));
  }
  return out;
}

export function brief(r: ActionRecord): string {
  const p = r.params;
  const change = p.toReplicas !== undefined ? `${p.fromReplicas}->${p.toReplicas}` : p.toWeights ? `${JSON.stringify(p.fromWeights)}->${JSON.stringify(p.toWeights)}` : '-';
  return `${r['@timestamp'].slice(11, 16)} ${r.kind} ${r.status}${r.guardrail ? `(${r.guardrail})` : ''} ${change}`;
}
