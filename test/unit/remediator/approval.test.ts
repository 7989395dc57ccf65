import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForesightError } from '../../../core/errors.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { ActionRecord, Actuator } from '../../../remediator/types.ts';
import { breach, brief, harness, minutes, FakeSimulator, MIN, T0 } from './fixtures.ts';

const WALL = Date.UTC(2026, 5, 1, 9, 0, 0);

test('an approved pending action is carried out by every actuator, with approver and time on the record', async () => {
  let wall = WALL;
  const h = harness({ mode: 'approval' }, { wallClock: () => wall });
  const [pending] = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  assert.equal(pending!.status, 'pending');
  assert.deepEqual(pending!.approval, { requestedAt: new Date(WALL).toISOString(), expiresAt: new Date(WALL + 15 * MIN).toISOString() });
  assert.deepEqual(h.rem.pendingApprovals().map((r) => r.actionId), [pending!.actionId]);
  wall += 2 * MIN;
  const done = await h.rem.decideApproval(pending!.actionId, 'approve', 'alice', 'looks right');
  assert.equal(brief(done), '12:00 scale_out executed 2->6');
  assert.deepEqual(done.approval, { ...pending!.approval, decision: 'approved', by: 'alice', at: new Date(wall).toISOString(), comment: 'looks right' });
  assert.deepEqual(h.sim.calls, ['scale checkout 6']);
  assert.deepEqual(h.spy.seen.map((a) => `${a.kind} ${a.status}`), ['scale_out executed']);
  assert.equal((h.store as MemoryRecordStore).actions.get(done.actionId)?.status, 'executed');
  assert.deepEqual(h.rem.pendingApprovals(), []);
  // Deciding twice is refused with the reason.
  await assert.rejects(h.rem.decideApproval(done.actionId, 'approve', 'bob'), (e: unknown) => e instanceof ForesightError && e.code === 'APPROVAL_INVALID' && /is executed, not pending/.test(e.message));
  // The approved scale-out is verified like any other: p95 well under the SLO from then on.
  const later = await minutes(h, 1, 12, () => 200);
  assert.deepEqual(later.map(brief), ['12:00 scale_out verified 2->6']);
});

test('a rejection calls nothing; an approval nobody gives in time is recorded expired', async () => {
  let wall = WALL;
  const h = harness({ mode: 'approval', approvalTimeoutMs: 10 * MIN, cooldownMs: 0 }, { wallClock: () => wall });
  const [first] = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const rejected = await h.rem.decideApproval(first!.actionId, 'reject', 'bob');
  assert.equal(rejected.status, 'rejected');
  assert.equal(rejected.approval?.by, 'bob');
  const [second] = await h.rem.handle({ detections: [breach('checkout', T0 + 5 * MIN)], points: [] });
  assert.equal(second!.status, 'pending');
  wall += 11 * MIN;
  const out = await h.rem.handle({ detections: [], points: [] });
  assert.deepEqual(out.map((r) => `${r.actionId === second!.actionId} ${r.status} ${r.approval?.decision}`), ['true expired expired']);
  await assert.rejects(h.rem.decideApproval(second!.actionId, 'approve', 'carol'), /is expired, not pending/);
  assert.deepEqual(h.sim.calls, []);
  assert.deepEqual(h.spy.seen, []);
});

test('a pending action survives a restart and can be approved afterwards', async () => {
  const store = new MemoryRecordStore();
  const a = harness({ mode: 'approval' }, { store, wallClock: () => WALL });
  const [pending] = await a.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  await a.rem.stop();
  const sim = new FakeSimulator();
  const b = harness({ mode: 'approval' }, { store, sim, wallClock: () => WALL + MIN });
  await b.rem.start();
  assert.deepEqual(b.rem.pendingApprovals().map((r) => r.actionId), [pending!.actionId]);
  const done = await b.rem.decideApproval(pending!.actionId, 'approve', 'alice');
  assert.equal(done.status, 'executed');
  assert.deepEqual(sim.calls, ['scale checkout 6']);
});

test('verification waits for the real state an actuator reads, and fails the action if it never comes', async () => {
  let ready = 2;
  const real: Actuator = {
    name: 'real',
    async execute() { return { ok: true, detail: 'floor raised', state: { previousMinReplicas: 2 } }; },
    async verify(r: ActionRecord) { return { ok: ready >= (r.params.toReplicas ?? 0), detail: `readyReplicas ${ready}` }; },
  };
  const h = harness({ mode: 'live' }, { actuators: [real] });
  const [act] = await h.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  assert.deepEqual(act!.actuation, { real: { previousMinReplicas: 2 } });
  // p95 is fine from minute 1 but the replicas are not ready: no verdict before the deadline.
  assert.deepEqual((await minutes(h, 1, 8, () => 200)).map(brief), []);
  ready = 6;
  const out = await minutes(h, 8, 9, () => 200);
  assert.deepEqual(out.map(brief), ['12:00 scale_out verified 2->6']);
  assert.match(out[0]!.verification!.detail, /real: readyReplicas 6/);

  ready = 2;
  const g = harness({ mode: 'live' }, { actuators: [real] });
  await g.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const failed = await minutes(g, 1, 11, () => 200);
  assert.deepEqual(failed.map(brief).slice(0, 2), ['12:00 scale_out rolled_back 2->6', '12:10 rollback executed 6->2']);
  assert.match(failed[0]!.verification!.detail, /readyReplicas 2/);
});
