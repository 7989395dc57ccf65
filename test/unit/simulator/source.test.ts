import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ManualClock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import type { RawInput } from '../../../ingest/types.ts';
import { createSimulator, createSimulatorSource, loadScenario, simulateToStream } from '../../../ingest/sources/simulator/index.ts';

test('max speed: one batch per step, positions numbered from 1, stops after the minutes', async () => {
  const sim = createSimulator(loadScenario('steady'), { seed: 3 });
  const src = createSimulatorSource(sim, { speed: 'max', minutes: 2 });
  const batches: RawInput[][] = [];
  for await (const b of src.batches(new AbortController().signal)) batches.push(b);
  assert.equal(batches.length, 12);
  const all = batches.flat();
  assert.deepEqual(all.map((r) => r.position), all.map((_, i) => ({ kind: 'simulator', seq: i + 1 })));
  assert.equal(all[0]!.bytes, Buffer.byteLength(all[0]!.text));
  assert.equal(sim.now(), sim.startTime + 120_000);
});

test('numeric speed paces steps against the wall clock and honours abort', async () => {
  const sim = createSimulator(loadScenario('steady'), { seed: 3, stepMs: 10_000 });
  const clock = new ManualClock(1_000);
  const waits: number[] = [];
  const ac = new AbortController();
  const src = createSimulatorSource(sim, {
    speed: 60,
    clock,
    sleep: async (ms) => { waits.push(ms); clock.advanceBy(ms); if (waits.length === 4) ac.abort(); },
  });
  let n = 0;
  for await (const b of src.batches(ac.signal)) { n++; assert.equal(b[0]!.receivedAt, clock.now()); }
  // 10 s of simulated time at 60x is 1/6 s of wall time; the 4th sleep is interrupted by the abort.
  assert.deepEqual(waits.map((w) => Math.round(w * 1000) / 1000), [166.667, 166.667, 166.667, 166.667]);
  assert.equal(n, 3);
  await src.close();
  await src.close();
});

test('real timers: an abort ends a paced run promptly', async () => {
  const sim = createSimulator(loadScenario('steady'), { seed: 3 });
  const src = createSimulatorSource(sim, { speed: 1 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const t0 = Date.now();
  for await (const _ of src.batches(ac.signal)) assert.fail('a step takes 10 s at speed 1');
  assert.ok(Date.now() - t0 < 2_000);
});

test('bad speed is rejected', () => {
  const sim = createSimulator(loadScenario('steady'));
  assert.throws(() => createSimulatorSource(sim, { speed: 0 }), (e: unknown) => e instanceof ForesightError && e.code === 'CONFIG_INVALID');
});

test('simulateToStream writes the same NDJSON as the simulator', async () => {
  const chunks: string[] = [];
  const out = new Writable({ highWaterMark: 1024, write(c: Buffer, _e, cb) { chunks.push(c.toString()); setImmediate(cb); } });
  const r = await simulateToStream('memory-leak', { minutes: 10, seed: 7 }, out);
  const lines = chunks.join('').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(r.lines, 3411);
  assert.equal(lines.length, 3411);
  assert.equal(r.minutes, 10);
  assert.ok(lines[0]!.startsWith('{"timestamp":"2026-01-01T00:00:00.339Z","service":"payments"'));
  assert.equal(r.truth.now, Date.UTC(2026, 0, 1) + 10 * 60_000);
});
