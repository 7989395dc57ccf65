import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diurnalRps, stepService, type StepInput } from '../../../ingest/sources/simulator/model.ts';
import { gcSlowdown, leakFactor, surgeFactor } from '../../../ingest/sources/simulator/incidents.ts';

const base: StepInput = { demandRps: 0, capacityRps: 200, readyReplicas: 4, serviceMs: 40, spread: 0.35, backlog: 0, stepSec: 10, timeoutMs: 10_000 };
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('p95 rises steeply as utilisation nears 1, pinned', () => {
  const p95 = [0.5, 0.8, 0.9, 0.95].map((rho) => stepService({ ...base, demandRps: rho * 200 }).p95Ms);
  close(p95[0]!, 81.73821175946287);
  close(p95[1]!, 149.21117278257944);
  close(p95[2]!, 266.12100589799223);
  close(p95[3]!, 501.4313348936935);
  // Doubling from 0.8 to 0.9 and again to 0.95: convex, not linear.
  assert.ok(p95[3]! - p95[2]! > p95[2]! - p95[1]!);
});

test('past capacity a backlog builds and latency keeps climbing until the timeout', () => {
  let backlog = 0;
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    const o = stepService({ ...base, demandRps: 220, backlog });
    backlog = o.backlog;
    seen.push(o.p95Ms);
  }
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `step ${i}: ${seen.join(', ')}`);
  assert.equal(backlog, 1200); // 20 rps excess for 60 s
  const capped = stepService({ ...base, demandRps: 400, backlog: 2000 });
  assert.equal(capped.backlog, 2000);
  assert.ok(capped.dropRate > 0.4, `drop ${capped.dropRate}`);
  assert.equal(capped.backlogWaitMs, 10_000);
});

test('a backlog drains once capacity exceeds demand', () => {
  const o = stepService({ ...base, demandRps: 100, backlog: 500 });
  assert.equal(o.backlog, 0);
  assert.equal(o.backlogWaitMs, 1250); // half the step's mean of 500 → 0 requests at 200 rps
});

test('diurnal curve peaks at peakAtMinute and bottoms half a period later', () => {
  const load = { peakRps: 100, troughRps: 40, peakAtMinute: 60, periodMinutes: 240 };
  assert.equal(diurnalRps(60, load), 100);
  close(diurnalRps(180, load), 40);
  close(diurnalRps(120, load), 70);
});

test('surge ramps, holds and decays; leaks spare fresh replicas', () => {
  assert.deepEqual([-1, 0, 5, 10, 15, 20, 25, 30].map((m) => surgeFactor(m, 10, 10, 10, 3)), [1, 1, 2, 3, 3, 3, 2, 1]);
  const leaks = [{ start: 10, rampMinutes: 20, floor: 0.4, gcLatencyFactor: 1.5 }];
  assert.equal(leakFactor(leaks, 0, 10), 1);
  close(leakFactor(leaks, 0, 20), 0.7);
  close(leakFactor(leaks, 0, 40), 0.4);
  close(leakFactor(leaks, 0, 90), 0.4);
  assert.equal(leakFactor(leaks, 40, 40), 1); // a replica started at minute 40 is fresh
  assert.deepEqual([10, 20, 30, 60].map((m) => gcSlowdown(leaks, 0, m)), [1, 1.75, 2.5, 2.5]);
  assert.equal(gcSlowdown(leaks, 40, 45), 1.375);
});
