import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advances, asFirstRecorded } from '../../../remediator/index.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import { breach, brief, FakeSimulator, harness, minutes, point, MIN, T0 } from './fixtures.ts';
import type { Harness } from './fixtures.ts';
import type { ActionRecord } from '../../../remediator/types.ts';

// One run: a breach at 12:00 scales out 2 -> 6 (verified 12:05), capacity is given back
// one step at 12:17, a breach at 12:20 scales out again. Interrupted at 12:22, the second
// scale-out is recorded but not yet verified.
const detect = (m: number) => (m === 0 || m === 20 ? [breach('checkout', T0 + m * MIN)] : []);
const p95 = (m: number) => (m < 1 ? 800 : 200);

async function firstRun(store: MemoryRecordStore, to: number): Promise<ActionRecord[]> {
  const h = harness({ mode: 'live' }, { store });
  return minutes(h, 0, to, p95, detect);
}

/** A restarted remediator that re-reads minutes [0, warmTo) as warm-up, then [warmTo, to) as new input. */
async function restarted(store: MemoryRecordStore, warmTo: number, to: number): Promise<{ h: Harness; out: ActionRecord[] }> {
  const h = harness({ mode: 'live' }, { store });
  await h.rem.start();
  const out: ActionRecord[] = [];
  for (let m = 0; m < to; m++) {
    h.clock.advanceTo(T0 + (m + 1) * MIN);
    out.push(...(await h.rem.handle({ detections: detect(m), points: [point('checkout', T0 + m * MIN, p95(m))], warmup: m < warmTo })));
  }
  return { h, out };
}

const statuses = (store: MemoryRecordStore): Map<string, string> => new Map([...store.actions].map(([id, r]) => [id, r.status]));

test('status stages: a verdict advances a planned or executed action; repeating or regressing does not', () => {
  assert.equal(advances('planned', 'verified'), true);
  assert.equal(advances('executed', 'rolled_back'), true);
  assert.equal(advances('executed', 'failed'), true);
  assert.equal(advances('verified', 'planned'), false);
  assert.equal(advances('verified', 'verified'), false);
  assert.equal(advances('failed', 'executed'), false);
});

test('asFirstRecorded strips a verdict back to the status the action was carried out with', async () => {
  const store = new MemoryRecordStore();
  await firstRun(store, 8);
  const [verified] = await store.readActions();
  assert.equal(brief(verified!), '12:00 scale_out verified 2->6');
  const first = asFirstRecorded(verified!);
  assert.equal(brief(first), '12:00 scale_out executed 2->6');
  assert.equal(first.verification, undefined);
  assert.equal(asFirstRecorded(first), first);
});

for (const warmTo of [0, 15, 22]) {
  test(`a restart with ${warmTo} minutes of warm-up re-derives recorded actions without calling actuators or writing them again, and carries on where the run stopped`, async () => {
    const reference = new MemoryRecordStore();
    await firstRun(reference, 30);
    assert.deepEqual([...reference.actions.values()].map(brief), ['12:00 scale_out verified 2->6', '12:17 scale_in executed 6->5', '12:20 scale_out verified 5->9']);

    const store = new MemoryRecordStore();
    await firstRun(store, 22);
    assert.deepEqual([...store.actions.values()].map(brief), ['12:00 scale_out verified 2->6', '12:17 scale_in executed 6->5', '12:20 scale_out executed 5->9']);
    const versions = store.history.length;

    const { h, out } = await restarted(store, warmTo, 30);
    assert.deepEqual(h.sim.calls, [], 'no actuator called for an action already recorded');
    assert.deepEqual(h.spy.seen, []);
    // The only new version is the second scale-out's verification, which the first run never reached.
    assert.deepEqual(out.map(brief), ['12:20 scale_out verified 5->9']);
    assert.equal(store.history.length, versions + 1);
    assert.deepEqual(statuses(store), statuses(reference));
    assert.equal((h.rem.health().detail as { adopted: number }).adopted, 3);
  });
}

test('warm-up decisions the store does not hold are dropped: nothing is carried out or written for history', async () => {
  const store = new MemoryRecordStore();
  const { h, out } = await restarted(store, 30, 30);
  assert.deepEqual(out, []);
  assert.deepEqual(h.sim.calls, []);
  assert.equal(store.history.length, 0);
  assert.equal(store.detections.size, 0);
  // Both breaches' scale-outs; with neither taken there is no capacity to give back.
  assert.equal((h.rem.health().detail as { warmupDropped: number }).warmupDropped, 2);
});

test('recorded actions no re-derivation meets are folded in before the first window: a cold restart keeps the cooldown', async () => {
  const store = new MemoryRecordStore();
  await firstRun(store, 3);
  // Restarted at 12:03 without history: the 12:00 scale-out is restored first, so a breach
  // at 12:06 is held by the cooldown instead of scaling again.
  const h = harness({ mode: 'live' }, { store, sim: new FakeSimulator({ checkout: 6 }) });
  await h.rem.start();
  const out = await minutes(h, 3, 8, () => 800, (m) => (m === 6 ? [breach('checkout', T0 + m * MIN)] : []));
  assert.deepEqual(out.map(brief), ['12:06 scale_out suppressed(cooldown) 6->10']);
  assert.deepEqual(h.sim.calls, []);
});
