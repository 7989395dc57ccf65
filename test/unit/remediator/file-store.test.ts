import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileStore } from '../../../remediator/store/file.ts';
import type { ActionRecord } from '../../../remediator/types.ts';
import { breach, brief, FakeSimulator, harness, minutes, MIN, T0 } from './fixtures.ts';

const rec = (status: ActionRecord['status']): ActionRecord => ({
  actionId: 'act-1', '@timestamp': '2026-01-01T12:00:00.000Z', service: 'checkout', kind: 'scale_out', target: 'checkout',
  params: { fromReplicas: 2, toReplicas: 6 }, reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, evidence: 'x' },
  mode: 'live', status, actuator: 'log', daemon: { instance: 'i', version: 'v', configHash: 'h' },
});

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
}

test('idempotent by id across reopen; later states append and readers take the last', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await openFileStore(dir, { fsync: false });
  await a.putActions([rec('executed'), rec('executed')]);
  await a.putDetections([breach('checkout', T0), breach('checkout', T0)]);
  await a.close();
  await a.close();

  const b = await openFileStore(dir);
  await b.putActions([rec('executed'), rec('verified')]);
  await b.putDetections([breach('checkout', T0), breach('checkout', T0 + MIN)]);
  assert.deepEqual((await b.readActions()).map((r) => r.status), ['verified']);
  assert.equal((await b.readDetections()).length, 2);
  await b.close();

  assert.deepEqual((await lines(join(dir, 'actions.ndjson'))).map((l) => (JSON.parse(l) as ActionRecord).status), ['executed', 'verified']);
  assert.equal((await lines(join(dir, 'detections.ndjson'))).length, 2);
});

test('a line torn by a crash is skipped and does not swallow the next record', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await openFileStore(dir, { fsync: false });
  await a.putActions([rec('executed')]);
  await a.close();
  await appendFile(join(dir, 'actions.ndjson'), '{"actionId":"act-2","sta');
  const b = await openFileStore(dir, { fsync: false });
  assert.equal(b.skippedLines, 1);
  await b.putActions([rec('verified')]);
  assert.deepEqual((await b.readActions()).map((r) => `${r.actionId} ${r.status}`), ['act-1 verified']);
  await b.close();
});

test('a restarted remediator restores cooldowns and pending verification from the file store', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sim = new FakeSimulator();

  const store1 = await openFileStore(dir, { fsync: false });
  const h1 = harness({}, { store: store1, sim });
  await h1.rem.start();
  assert.deepEqual((await h1.rem.handle({ detections: [breach('checkout', T0)], points: [] })).map(brief), ['12:00 scale_out planned 2->6']);
  await h1.rem.stop();
  await h1.rem.stop();
  await store1.close();

  const store2 = await openFileStore(dir, { fsync: false });
  const h2 = harness({}, { store: store2, sim });
  await h2.rem.start();
  // The same detection again: already decided. A new one at 12:06: still in cooldown.
  h2.clock.advanceTo(T0 + 6 * MIN);
  const again = await h2.rem.handle({ detections: [breach('checkout', T0), breach('checkout', T0 + 6 * MIN)], points: [] });
  assert.deepEqual(again.map(brief), ['12:06 scale_out suppressed(cooldown) 6->10']);
  // The pending verification survived the restart.
  const later = await minutes(h2, 6, 11, () => 800);
  assert.deepEqual(later.map(brief), ['12:00 scale_out rolled_back 2->6', '12:10 rollback planned 6->2']);
  await h2.rem.stop();
  await store2.close();

  const stored = (await lines(join(dir, 'actions.ndjson'))).map((l) => brief(JSON.parse(l) as ActionRecord));
  assert.deepEqual(stored, ['12:00 scale_out planned 2->6', '12:06 scale_out suppressed(cooldown) 6->10', '12:00 scale_out rolled_back 2->6', '12:10 rollback planned 6->2']);
  assert.deepEqual(sim.calls, ['scale checkout 6', 'scale checkout 2']);
});
