import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ForesightError } from '../../../core/errors.ts';
import { createSimulator, loadScenario, type Simulator, type StepResult } from '../../../ingest/sources/simulator/index.ts';

const MIN = 60_000;

function advance(sim: Simulator, minutes: number): StepResult {
  let last: StepResult | undefined;
  for (const r of sim.run(minutes)) last = r;
  assert.ok(last);
  return last;
}

test('same seed, same lines: pinned first line and hash of the first 10 minutes', () => {
  const hashOf = (seed: number): { first: string; n: number; hash: string } => {
    const sim = createSimulator(loadScenario('memory-leak'), { seed });
    const h = createHash('sha256');
    let first = '';
    let n = 0;
    for (const s of sim.run(10)) for (const l of s.lines) { first ||= l; h.update(l + '\n'); n++; }
    return { first, n, hash: h.digest('hex') };
  };
  const a = hashOf(7);
  assert.equal(a.first, '{"timestamp":"2026-01-01T00:00:00.339Z","service":"payments","level":"info","message":"POST /api/payments completed in 57 ms","latency_ms":57,"status":200,"route":"/api/payments","host":"payments-2","trace_id":"9b4754e06ad3e56b54b1fa5c78af58ad","sample_rate":0.0333333}');
  assert.equal(a.n, 3411);
  assert.equal(a.hash, '56025bf9896806d7fc0706f40a780ac56cd95ed361b8c08cf2bfd11a67d643fe');
  assert.deepEqual(hashOf(7), a);
  assert.notEqual(hashOf(8).hash, a.hash);
});

test('demand does not depend on log sampling or on actions (the evaluation arms share it)', () => {
  const a = createSimulator(loadScenario('memory-leak'), { seed: 7 });
  const b = createSimulator(loadScenario('memory-leak'), { seed: 7, maxLinesPerServicePerStep: 0 });
  advance(a, 30);
  advance(b, 30);
  b.control.scale('checkout', 8);
  const ra = advance(a, 30);
  const rb = advance(b, 30);
  assert.equal(rb.lines.length, 0);
  assert.equal(ra.truth.checkout!.demandRps, rb.truth.checkout!.demandRps);
  assert.notEqual(ra.truth.checkout!.capacityRps, rb.truth.checkout!.capacityRps);
});

test('lines carry the input contract and a realistic volume', () => {
  const sim = createSimulator(loadScenario('steady'), { seed: 3 });
  const perService = new Map<string, number>();
  let last = 0;
  for (const r of sim.run(10)) {
    for (const l of r.lines) {
      const o = JSON.parse(l) as Record<string, unknown>;
      const ts = Date.parse(o.timestamp as string);
      assert.ok(ts >= r.t && ts < r.end && ts >= last, 'in step and in order');
      last = ts;
      perService.set(o.service as string, (perService.get(o.service as string) ?? 0) + 1);
      if ('latency_ms' in o) {
        assert.deepEqual(Object.keys(o), ['timestamp', 'service', 'level', 'message', 'latency_ms', 'status', 'route', 'host', 'trace_id', 'sample_rate']);
        assert.ok((o.sample_rate as number) > 0 && (o.sample_rate as number) < 1, 'each line stands for 1 / sample_rate requests');
        assert.match(o.trace_id as string, /^[0-9a-f]{32}$/);
        assert.match(o.host as string, new RegExp(`^${o.service as string}-\\d+$`));
      }
    }
  }
  for (const [svc, n] of perService) assert.ok(n / 10 >= 60 && n / 10 <= 200, `${svc}: ${n / 10} lines/min`);
  assert.equal(perService.size, 3);
});

test('memory-leak: p95 ramps for 20+ minutes and then crosses the SLO; steady never does', () => {
  const sim = createSimulator(loadScenario('memory-leak'), { seed: 7, maxLinesPerServicePerStep: 0 });
  const p95ByMinute: number[] = [];
  for (const r of sim.run(240)) if ((r.t - sim.startTime) % MIN === 0) p95ByMinute.push(r.truth.checkout!.p95);
  const gt = sim.groundTruth();
  const inc = gt.incidents[0]!;
  assert.equal(inc.kind, 'memory-leak');
  assert.equal(inc.predictable, true);
  assert.equal(gt.services.checkout!.firstBreachAt, inc.firstBreachAt);
  const breachMin = (inc.firstBreachAt! - sim.startTime) / MIN;
  const startMin = (inc.start - sim.startTime) / MIN;
  assert.equal(breachMin, 107);
  assert.ok(breachMin - startMin >= 40, 'a long ramp');
  // 20 minutes before the breach p95 has risen clearly above the pre-incident level, yet is below the SLO.
  const before = p95ByMinute.slice(0, 60).reduce((a, b) => a + b) / 60;
  const ramp = p95ByMinute[Math.floor(breachMin) - 20]!;
  assert.ok(ramp > before * 1.25 && ramp < 300, `ramp p95 ${ramp} vs ${before}`);
  assert.equal(gt.services.orders!.breaches.length, 0);
  assert.equal(gt.services.checkout!.replicaMinutes, 4 * 240);

  const steady = createSimulator(loadScenario('steady'), { maxLinesPerServicePerStep: 0 });
  advance(steady, 240);
  for (const s of Object.values(steady.groundTruth().services)) assert.equal(s.breachMinutes, 0);
});

test('scale-out serves only after the warm-up, then brings p95 back under the SLO', () => {
  const sim = createSimulator(loadScenario('memory-leak'), { seed: 7, scaleOutWarmupMs: 150_000 });
  const hot = advance(sim, 135);
  assert.ok(hot.truth.checkout!.breaching, 'breaching before the action');
  const r = sim.control.scale('checkout', 10);
  assert.deepEqual(r, { from: 4, to: 10, readyAt: sim.now() + 150_000 });
  assert.equal(sim.control.replicas('checkout'), 10);
  const during = advance(sim, 2);
  assert.equal(during.truth.checkout!.replicas, 4);
  assert.equal(during.truth.checkout!.pending, 6);
  assert.ok(during.truth.checkout!.breaching);
  let readyLine = false;
  let newHost = false;
  for (const s of sim.run(10)) {
    for (const l of s.lines) {
      if (l.includes('replica checkout-10 ready after warm-up')) readyLine = true;
      if (l.includes('"host":"checkout-10"') && l.includes('"latency_ms"')) newHost = true;
    }
  }
  const after = sim.control.state('checkout');
  assert.equal(after.replicas, 10);
  assert.equal(after.pending, 0);
  assert.ok(after.p95 < 300 && after.backlog === 0, `p95 ${after.p95}`);
  assert.ok(readyLine && newHost, 'the logs show the new replicas');
  const gt = sim.groundTruth();
  assert.deepEqual(gt.services.checkout!.replicaChanges, [{ t: sim.startTime, replicas: 4 }, { t: sim.startTime + 135 * MIN, replicas: 10 }]);
  assert.equal(gt.services.checkout!.replicaMinutes, 4 * 135 + 10 * 12);
  assert.deepEqual(gt.actions, [{ t: sim.startTime + 135 * MIN, service: 'checkout', kind: 'scale', from: 4, to: 10 }]);
});

test('scale-in removes pending replicas first and acts at once; bad targets are rejected', () => {
  const sim = createSimulator(loadScenario('steady'), { maxLinesPerServicePerStep: 0 });
  advance(sim, 1);
  sim.control.scale('orders', 6);
  sim.control.scale('orders', 3);
  const s = advance(sim, 1).truth.orders!;
  assert.equal(s.replicas, 3);
  assert.equal(s.pending, 0);
  assert.throws(() => sim.control.scale('orders', 0), (e: unknown) => e instanceof ForesightError && e.code === 'ACTUATOR_FAILED');
  assert.throws(() => sim.control.scale('nope', 2), /no service "nope"/);
  assert.throws(() => sim.control.shiftTraffic('orders', 1.5), /share must be in 0\.\.1/);
});

test('traffic shift moves load to the standby and relieves a surge', () => {
  const base = createSimulator(loadScenario('traffic-surge'), { maxLinesPerServicePerStep: 0 });
  const shifted = createSimulator(loadScenario('traffic-surge'), { maxLinesPerServicePerStep: 0 });
  advance(base, 90);
  advance(shifted, 90);
  assert.deepEqual(shifted.control.shiftTraffic('orders', 0.4), { from: 0, to: 0.4 });
  const a = advance(base, 10).truth.orders!;
  const b = advance(shifted, 10).truth.orders!;
  assert.equal(a.demandRps, b.demandRps);
  assert.ok(Math.abs(b.rps - 0.6 * b.demandRps) < 1e-9);
  assert.ok(b.utilisation < 0.65 * a.utilisation);
  assert.ok(a.breaching && !b.breaching, `p95 ${a.p95} vs ${b.p95}`);
  assert.equal(shifted.control.state('orders').trafficShare, 0.4);
});

test('bad deploy: deploy lines and a new error template at once; rollback ends it', () => {
  const sim = createSimulator(loadScenario('bad-deploy'), { seed: 13 });
  advance(sim, 90);
  let deployLines = 0;
  let typeErrors = 0;
  for (const s of sim.run(5)) {
    for (const l of s.lines) {
      if (l.includes('deployed v2.14.0 to orders-')) deployLines++;
      if (l.includes("TypeError: Cannot read properties of undefined (reading 'items') [v2.14.0]")) typeErrors++;
    }
  }
  assert.equal(deployLines, 4);
  assert.ok(typeErrors > 0);
  assert.ok(sim.control.state('orders').breaching);
  assert.equal(sim.control.rollback('orders'), true);
  assert.equal(sim.control.rollback('orders'), false);
  const r = advance(sim, 2);
  assert.ok(!r.truth.orders!.breaching);
  const inc = sim.groundTruth().incidents[0]!;
  assert.equal(inc.end, sim.startTime + 95 * MIN);
  assert.equal(inc.predictable, false);
});

test('dependency outage: a burst of the distinctive message, only during the outage', () => {
  const sim = createSimulator(loadScenario('dependency-outage'), { seed: 17 });
  const refusedByMinute = new Map<number, number>();
  for (const s of sim.run(120)) {
    for (const l of s.lines) {
      if (l.includes('"message":"upstream payments-db connection refused (pool exhausted)"')) {
        assert.ok(l.includes('"status":503') && l.includes('"level":"error"'));
        const m = Math.floor((s.t - sim.startTime) / MIN);
        refusedByMinute.set(m, (refusedByMinute.get(m) ?? 0) + 1);
      }
    }
  }
  const minutes = [...refusedByMinute.keys()];
  assert.equal(Math.min(...minutes), 90);
  assert.equal(Math.max(...minutes), 104);
  assert.ok([...refusedByMinute.values()].every((n) => n >= 5));
});

test('runs loop the scenario by default, or go steady after it', () => {
  const loop = createSimulator(loadScenario('bad-deploy'), { maxLinesPerServicePerStep: 0 });
  advance(loop, 335);
  const kinds = loop.groundTruth().incidents.map((i) => `${i.kind}@${i.pass}`);
  assert.deepEqual(kinds, ['bad-deploy@0', 'bad-deploy@1']);
  const steady = createSimulator(loadScenario('bad-deploy'), { maxLinesPerServicePerStep: 0, afterEnd: 'steady' });
  const last = advance(steady, 335);
  assert.deepEqual(steady.groundTruth().incidents.map((i) => i.pass), [0]);
  assert.ok(!last.truth.orders!.breaching);
});

test('invalid options are CONFIG_INVALID naming the key', () => {
  assert.throws(() => createSimulator(loadScenario('steady'), { stepMs: 7000 }), (e: unknown) =>
    e instanceof ForesightError && e.code === 'CONFIG_INVALID' && e.message === 'simulator options: stepMs: must divide one minute (e.g. 5000, 10000, 15000)');
});
