import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForesightError } from '../../../core/errors.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { ActionClaim, ActionClaimant, ActionRecord } from '../../../remediator/types.ts';
import { breach, brief, harness, minutes, MIN, T0 } from './fixtures.ts';

/** A shared store with claims as Elasticsearch keeps them: the first claimant of an id wins, the same process again too. */
class ClaimingStore extends MemoryRecordStore {
  readonly claims = new Map<string, ActionClaimant>();
  unreachable = false;
  async claimAction(actionId: string, claimant: ActionClaimant): Promise<ActionClaim> {
    if (this.unreachable) throw new ForesightError('SINK_UNAVAILABLE', 'connection refused', { retriable: true });
    const by = this.claims.get(actionId);
    if (!by || by.process === claimant.process) { this.claims.set(actionId, claimant); return { won: true }; }
    const record = this.actions.get(actionId);
    return record ? { won: false, by, record: structuredClone(record) } : { won: false, by };
  }
}

const detect = (m: number) => (m === 0 ? [breach('checkout', T0 + m * MIN)] : []);
const p95 = (m: number) => (m < 1 ? 800 : 200);
const health = (h: ReturnType<typeof harness>) => h.rem.health().detail as { claimsLost: number; claimsUnanswered: number; adopted: number };

test('two remediators that decide the same action (one kept its state through a rejoin): the first claims and carries it out, the other adopts its record and calls no actuator', async () => {
  const store = new ClaimingStore();
  // Both started before either acted: neither found the action recorded at start.
  const a = harness({ mode: 'live' }, { store, processId: 'a' });
  const b = harness({ mode: 'live' }, { store, processId: 'b' });
  await a.rem.start();
  await b.rem.start();
  const byB = await minutes(b, 0, 2, p95, detect);
  assert.deepEqual(byB.map(brief), ['12:00 scale_out executed 2->6']);
  assert.deepEqual(b.sim.calls, ['scale checkout 6']);
  const versions = store.history.length;

  const byA = await minutes(a, 0, 2, p95, detect);
  assert.deepEqual(a.sim.calls, [], 'not carried out a second time');
  assert.deepEqual(a.spy.seen, []);
  assert.deepEqual(byA, [], 'adopted: nothing new to write');
  assert.equal(store.history.length, versions);
  assert.deepEqual([health(a).claimsLost, health(a).adopted], [1, 1]);
  assert.deepEqual(store.claims.get(byB[0]!.actionId), { instance: 'test-1', process: 'b' });

  // The adopted action is A's state from now on: its verification lands in both, once in the store.
  const laterA = await minutes(a, 2, 8, p95, detect);
  const laterB = await minutes(b, 2, 8, p95, detect);
  assert.deepEqual(laterB.map(brief), ['12:00 scale_out verified 2->6']);
  assert.deepEqual(laterA.map(brief), ['12:00 scale_out verified 2->6']);
  assert.deepEqual([...store.actions.values()].map(brief), ['12:00 scale_out verified 2->6']);
});

test('a claim held by another process whose record is not written yet: recorded as not carried out here, no actuator called', async () => {
  const store = new ClaimingStore();
  const a = harness({ mode: 'live' }, { store, processId: 'a' });
  await a.rem.start();
  // B claimed the 12:00 scale-out and is carrying it out; its record comes later.
  const b = harness({ mode: 'live' }, { store: new MemoryRecordStore(), processId: 'b' });
  const [mine] = await minutes(b, 0, 1, p95, detect);
  store.claims.set(mine!.actionId, { instance: 'daemon-b', process: 'b' });

  const out = await minutes(a, 0, 1, p95, detect);
  assert.deepEqual(a.sim.calls, []);
  assert.deepEqual(a.spy.seen, []);
  assert.deepEqual(out.map(brief), ['12:00 scale_out executed 2->6'], 'the action is recorded (a claimant that died before recording would leave none), as executed by its claimant');
  assert.equal(out[0]!.actionId, mine!.actionId);
  assert.match(out[0]!.result ?? '', /not carried out here: claimed first by daemon-b/);
  assert.equal(health(a).claimsLost, 1);
});

test('claims the store cannot answer (Elasticsearch away) leave actions carried out as before; the same process claiming again wins', async () => {
  const store = new ClaimingStore();
  store.unreachable = true;
  const a = harness({ mode: 'live' }, { store, processId: 'a' });
  await a.rem.start();
  const out = await minutes(a, 0, 2, p95, detect);
  assert.deepEqual(out.map(brief), ['12:00 scale_out executed 2->6']);
  assert.deepEqual(a.sim.calls, ['scale checkout 6']);
  assert.deepEqual([health(a).claimsUnanswered, health(a).claimsLost], [1, 0]);

  // A stack rebuilt in the same process (a partition gained back) that re-derives an action it claimed.
  const again = new ClaimingStore();
  const first = harness({ mode: 'live' }, { store: again, processId: 'p' });
  await minutes(first, 0, 1, p95, detect);
  again.actions.clear();
  const rebuilt = harness({ mode: 'live' }, { store: again, processId: 'p' });
  await rebuilt.rem.start();
  await minutes(rebuilt, 0, 1, p95, detect);
  assert.deepEqual(rebuilt.sim.calls, ['scale checkout 6'], 'its own claim: carried out');
});

test('replays claim nothing', async () => {
  const store = new ClaimingStore();
  const r = harness({}, { store, replay: true, processId: 'r' });
  await minutes(r, 0, 2, p95, detect);
  assert.equal(store.claims.size, 0);
  const recorded: ActionRecord[] = [...store.actions.values()];
  assert.equal(recorded.length, 1);
});
