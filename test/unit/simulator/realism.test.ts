import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Telemetry } from '../../../core/telemetry.ts';
import { ManualClock } from '../../../core/clock.ts';
import { createIngest } from '../../../ingest/index.ts';
import { MemoryDeadLetterSink } from '../../../ingest/deadletter/memory.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { createSimulator, scenarioSchema, type ScenarioInput, type Simulator, type StepResult } from '../../../ingest/sources/simulator/index.ts';
import { diurnalRps, poisson } from '../../../ingest/sources/simulator/model.ts';
import { createRng } from '../../../ingest/sources/simulator/rng.ts';
import { config, raw } from '../ingest/helpers.ts';

const svc = (name: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name, replicas: 2, perReplicaRps: 50, baseLatencyMs: 40, sloP95Ms: 250,
  load: { peakRps: 60, troughRps: 60, noise: 0 }, ...over,
});

/** A simulator on an inline scenario; truth only (no log lines, cheap) unless `lines`. */
function sim(input: Record<string, unknown>, lines = false, seed = 3): Simulator {
  return createSimulator(scenarioSchema.parse({ name: 't', durationMinutes: 120, ...input } as ScenarioInput), { seed, ...(lines ? {} : { maxLinesPerServicePerStep: 0 }) });
}

/** Mean of a truth field of one service over `minutes`, starting after `skip` minutes. */
function meanOf(s: Simulator, service: string, field: 'capacityRps' | 'p50' | 'p95' | 'meanMs', skip: number, minutes: number): number {
  for (const _ of s.run(skip)) { /* advance */ }
  let sum = 0;
  let n = 0;
  for (const r of s.run(minutes)) { sum += r.truth[service]![field]; n++; }
  return sum / n;
}

test('worker pool: a slow dependency holds workers, so capacity falls to workers / service time and the service saturates', () => {
  const slow = { kind: 'slow-dependency', service: 'api', startMinute: 10, rampMinutes: 1, addMs: 160 };
  // 4 workers per replica: 100 rps per replica at 40 ms, CPU-bound at 50; at 200 ms, 20.
  const pooled = sim({ services: [svc('api', { workersPerReplica: 4 })], incidents: [slow] });
  const before = pooled.run(5).next().value as StepResult;
  assert.equal(before.truth.api!.capacityRps, 100, 'CPU-bound (2 × 50) while requests are quick');
  const cap = meanOf(pooled, 'api', 'capacityRps', 15, 5);
  assert.ok(Math.abs(cap - 2 * 4 * 1000 / 200) < 1, `capacity ${cap} ≈ 2 replicas × 4 workers / 200 ms`);
  assert.ok(pooled.control.state('api').utilisation > 1 && pooled.control.state('api').breaching, 'saturated: 60 rps offered to 40');
  // A pool big enough never binds: the same slowdown leaves capacity and utilisation alone.
  const big = sim({ services: [svc('api', { workersPerReplica: 1000 })], incidents: [slow] });
  assert.equal(meanOf(big, 'api', 'capacityRps', 15, 5), 100);
  assert.ok(big.control.state('api').utilisation < 0.7, `utilisation ${big.control.state('api').utilisation}`);
  // More replicas are more workers: capacity can buy a slow dependency back.
  const scaled = sim({ services: [svc('api', { workersPerReplica: 4 })], incidents: [slow] });
  for (const _ of scaled.run(11)) { /* slow from minute 10 */ }
  scaled.control.scale('api', 6);
  assert.ok(meanOf(scaled, 'api', 'capacityRps', 5, 5) > 110, 'six replicas, six pools');
});

test('sampled logs declare sample_rate and ingest counts requests, so the daemon sees absolute throughput', () => {
  // Two services whose request rates differ 20× write about the same number of lines at their peak.
  const s = sim({ services: [svc('small', { load: { peakRps: 20, troughRps: 20, noise: 0 } }), svc('large', { replicas: 10, load: { peakRps: 400, troughRps: 400, noise: 0 } })] }, true);
  const ingest = createIngest(config({ allowedLatenessMs: 0 }), { telemetry: new Telemetry(), clock: new ManualClock(0), deadLetters: new MemoryDeadLetterSink() });
  const points: MetricPoint[] = [];
  const lines: Record<string, number> = { small: 0, large: 0 };
  let k = 0;
  for (const r of s.run(21)) {
    for (const l of r.lines) {
      const o = JSON.parse(l) as { service: string; latency_ms?: number; sample_rate?: number };
      if (o.latency_ms !== undefined) lines[o.service]!++;
      if (o.service === 'large' && o.latency_ms !== undefined) assert.ok(o.sample_rate! > 0 && o.sample_rate! < 0.1, `rate ${o.sample_rate}`);
    }
    points.push(...ingest.handle(r.lines.map((l) => raw(l, ++k))).points);
  }
  const per = (name: string): number[] => points.filter((p) => p.service === name && p.windowStart >= s.startTime + 60_000).map((p) => p.count / 60);
  const small = per('small');
  const large = per('large');
  assert.ok(small.length >= 15 && large.length >= 15, 'small.length >= 15 && large.length >= 15');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean(small) - 20) < 1, `small: ${mean(small)} rps from the logs`);
  assert.ok(Math.abs(mean(large) - 400) < 12, `large: ${mean(large)} rps from the logs`);
  assert.ok(lines.large! < 2 * lines.small!, `lines: ${JSON.stringify(lines)}`);
});

test('call edges: a callee\'s slowdown reaches its caller, and its errors too', () => {
  const slowDb = { kind: 'slow-dependency', service: 'inventory', startMinute: 10, rampMinutes: 1, addMs: 100 };
  const services = [svc('shop', { calls: [{ service: 'inventory', share: 0.5 }], workersPerReplica: 1000 }), svc('inventory', { workersPerReplica: 1000 })];
  const edge = sim({ services, incidents: [slowDb] });
  const calm = sim({ services, incidents: [] });
  const slowShop = meanOf(edge, 'shop', 'meanMs', 15, 5);
  const calmShop = meanOf(calm, 'shop', 'meanMs', 15, 5);
  // Half of shop's requests wait for inventory, which got 100 ms slower; the wait holds shop's
  // request, so shop's own queueing compounds it (as an added dependency latency does).
  assert.ok(slowShop - calmShop > 50, `shop mean ${calmShop} → ${slowShop}`);
  // Without the edge, shop does not notice.
  const apart = [svc('shop', { workersPerReplica: 1000 }), svc('inventory', { workersPerReplica: 1000 })];
  const alone = meanOf(sim({ services: apart, incidents: [slowDb] }), 'shop', 'meanMs', 15, 5);
  const aloneCalm = meanOf(sim({ services: apart, incidents: [] }), 'shop', 'meanMs', 15, 5);
  assert.ok(Math.abs(alone - aloneCalm) < 1, `shop without the edge: ${aloneCalm} → ${alone}`);
  const outage = sim({ services, incidents: [{ kind: 'dependency-outage', service: 'inventory', startMinute: 5, durationMinutes: 10, errorRate: 0.4, latencyAddMs: 0 }] });
  for (const _ of outage.run(7)) { /* into the outage */ }
  assert.ok(outage.control.state('shop').errorRate > 0.19, `shop errors ${outage.control.state('shop').errorRate}`);
  assert.throws(() => scenarioSchema.parse({ name: 'c', services: [svc('a', { calls: [{ service: 'b' }] }), svc('b', { calls: [{ service: 'a' }] })] }), /cycle/);
});

test('a restart takes a replica down, then it serves cold and warms up to full speed', () => {
  const s = sim({
    services: [svc('api', { replicas: 4, workersPerReplica: 1000 })],
    incidents: [{ kind: 'restart', service: 'api', startMinute: 10, replicas: 2, downSeconds: 30, warmupMinutes: 4, coldFactor: 0.5 }],
  }, true);
  const cap = (): number => s.control.state('api').capacityRps;
  for (const _ of s.run(10)) { /* to the restart */ }
  const lines: string[] = [];
  for (const r of s.run(1 / 3)) lines.push(...r.lines);
  assert.equal(s.control.state('api').replicas, 2, 'two of four down');
  assert.equal(cap(), 100);
  assert.equal(lines.filter((l) => l.includes('OOMKilled')).length, 2);
  for (const _ of s.run(1 / 3)) { /* down 30 s, then the first step serving again */ }
  assert.equal(s.control.state('api').replicas, 4);
  assert.ok(Math.abs(cap() - (100 + 2 * 50 * 0.5)) < 0.5, `cold: ${cap()}`);
  for (const _ of s.run(2)) { /* half-way through the warm-up */ }
  assert.ok(cap() > 160 && cap() < 185, `warming: ${cap()}`);
  for (const _ of s.run(2)) { /* past the warm-up */ }
  assert.equal(cap(), 200);
});

test('a rollout replaces replicas one by one; a slow version slows each replaced one; rollback undoes it', () => {
  const s = sim({
    services: [svc('api', { replicas: 3, workersPerReplica: 1000 })],
    incidents: [{ kind: 'rollout', service: 'api', startMinute: 10, intervalMinutes: 2, latencyFactor: 3, downSeconds: 10, warmupMinutes: 0 }],
  }, true);
  const lines: string[] = [];
  for (const r of s.run(17)) lines.push(...r.lines);
  assert.deepEqual(lines.filter((l) => l.includes('rolling out')).map((l) => (JSON.parse(l) as { host: string }).host), ['api-1', 'api-2', 'api-3']);
  const slow = s.control.state('api').p50;
  assert.equal(s.control.rollback('api'), true);
  s.step();
  assert.ok(s.control.state('api').p50 < slow / 2, `p50 ${slow} → ${s.control.state('api').p50}`);
});

test('load shape: Poisson arrivals, a second daily peak, weekends and bursts', () => {
  const rng = createRng(5);
  const draws = Array.from({ length: 4000 }, () => poisson(4, rng.next, rng.normal));
  const m = draws.reduce((a, b) => a + b, 0) / draws.length;
  const v = draws.reduce((a, b) => a + (b - m) ** 2, 0) / draws.length;
  assert.ok(Math.abs(m - 4) < 0.15 && Math.abs(v - 4) < 0.4, `mean ${m} var ${v}`);
  const load = { peakRps: 100, troughRps: 20, peakAtMinute: 720, periodMinutes: 1440, secondPeak: { atMinute: 1140, share: 0.8 } };
  assert.equal(diurnalRps(720, load), 100);
  assert.ok(Math.abs(diurnalRps(1140, load) - (20 + 80 * 0.8)) < 2, 'evening peak at 80%');
  assert.ok(diurnalRps(930, load) < diurnalRps(1140, load) - 10, 'a dip between the peaks');
  // 2026-01-03 is a Saturday: minute 2 × 1440 of a run from 2026-01-01.
  const weekly = sim({ durationMinutes: 4320, services: [svc('api', { load: { peakRps: 60, troughRps: 60, noise: 0, weekendFactor: 0.5 } })] });
  let fri = 0;
  let sat = 0;
  for (const r of weekly.run(3 * 1440)) {
    const day = new Date(r.t).getUTCDay();
    if (day === 5) fri += r.truth.api!.demandRps;
    if (day === 6) sat += r.truth.api!.demandRps;
  }
  assert.ok(Math.abs(sat / fri - 0.5) < 0.02, `Saturday / Friday ${sat / fri}`);
  const bursty = sim({ services: [svc('api', { load: { peakRps: 60, troughRps: 60, noise: 0, bursts: { perHour: 4, multiplier: 2, seconds: 60 } } })] });
  const demand = [...bursty.run(120)].map((r) => r.truth.api!.demandRps);
  const high = demand.filter((d) => d > 100).length;
  assert.ok(high >= 6 * 3 && high <= 6 * 16, `${high} steps in bursts over 2 hours (about 8 one-minute bursts)`);
});
