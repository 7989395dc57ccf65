import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Telemetry } from '../../../core/telemetry.ts';
import { silentLogger } from '../../../core/log.ts';
import { parseConfig } from '../../../daemon/config.ts';
import { assemble } from '../../../daemon/assemble.ts';
import { createPipeline } from '../../../daemon/pipeline.ts';
import { createFileStore } from '../../../remediator/store/file.ts';
import type { ActionRecord } from '../../../remediator/types.ts';

function record(status: ActionRecord['status'], replay: boolean): ActionRecord {
  return {
    actionId: 'act-checkout-scale_out-1', '@timestamp': '2026-01-01T01:25:00.000Z', service: 'checkout', kind: 'scale_out', target: 'checkout',
    params: { from: 2, to: 4 }, reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, leadTimeMs: 600_000, evidence: 'p95 rising' },
    mode: 'live', status, actuator: 'log', daemon: { instance: 'i', version: 'v', configHash: 'h' }, replay,
  } as ActionRecord;
}

test('file store: a replay and the live daemon in one directory never see or overwrite each other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-isolation-'));
  const live = await createFileStore(dir, { fsync: false });
  const replay = await createFileStore(dir, { fsync: false, replay: true });
  await live.putActions([record('executed', false)]);
  // The same deterministic id from a replay of the same period: not deduplicated against live, not on top of it.
  await replay.putActions([record('rolled_back', true)]);
  await live.putActions([record('verified', false)]);
  assert.deepEqual((await live.readActions()).map((r) => [r.status, r.replay]), [['verified', false]]);
  assert.deepEqual((await replay.readActions()).map((r) => [r.status, r.replay]), [['rolled_back', true]]);
  await live.close();
  await replay.close();
  assert.ok(existsSync(join(dir, 'actions.ndjson')));
  assert.ok(existsSync(join(dir, 'actions-replay.ndjson')));
});

test('replay --live: the configured live mode applies, but the records are replay records in the replay store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-isolation-'));
  const config = parseConfig({ remediator: { mode: 'live', actuators: ['log'] }, stores: { dir } });
  const parts = await assemble(config, silentLogger, { replayPath: join(dir, 'none.ndjson'), replay: true });
  const base = {
    config, telemetry: new Telemetry(), source: parts.source, deadLetters: parts.deadLetters, store: parts.store,
    actuators: parts.actuators, daemon: { instance: 'i', version: 'v', configHash: 'h' }, replay: true,
  };
  assert.equal(createPipeline({ ...base, liveActuators: true }).status().mode, 'live');
  assert.equal(createPipeline(base).status().mode, 'dry_run', 'without --live a replay is a dry run');
  await parts.store.putActions?.([record('executed', true)]);
  await parts.store.close();
  await parts.source.close();
  assert.ok(existsSync(join(dir, 'actions-replay.ndjson')));
  assert.ok(!existsSync(join(dir, 'actions.ndjson')), 'nothing in the live file');
});
