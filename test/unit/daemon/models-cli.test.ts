import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli-harness.ts';
import { createFileModelStore, type StoredModel } from '../../../models/tfjs/store.ts';

const V1 = '20260101T000000Z-00000001';
const V2 = '20260102T000000Z-00000002';
const V3 = '20260103T000000Z-00000003';

function stored(version: string, promoted: boolean): StoredModel {
  return {
    version, modelJson: { modelTopology: {}, weightsManifest: [] }, weights: new Uint8Array([1, 2, 3]),
    meta: { createdAt: `${version.slice(0, 4)}-01-0${version[7]}T00:00:00Z`, trainedOn: { services: 3, points: 1200 }, validation: { horizon: 15, mase: { tfjs_mlp: 0.9, seasonal_naive: 1 }, bestBaseline: 'seasonal_naive', points: 100, promoted } },
  };
}

test('foresight models list | promote | rollback on a file store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-models-cli-'));
  const store = createFileModelStore(dir);
  await store.save('latency-p95', stored(V1, true));
  await store.save('latency-p95', stored(V2, true));
  await store.save('latency-p95', stored(V3, false), { promote: false });

  const list = await cli('models', 'list', '--dir', dir);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^model latency-p95 in .*: 3 version\(s\), current 20260102T000000Z-00000002$/m);
  assert.match(list.out, /^\* 20260102T000000Z-00000002 {2}trained on 3 services \/ 1200 points; MASE@15 tfjs 0\.900 vs seasonal_naive 1\.000$/m);
  assert.match(list.out, /^ {2}20260103T000000Z-00000003 /m);

  const promote = await cli('models', 'promote', V3, '--dir', dir, '--reason', 'canary looked fine');
  assert.equal(promote.code, 0, promote.err);
  assert.equal(await store.current('latency-p95'), V3);

  // Without a version: back to the one current before, with the reason recorded.
  const back = await cli('models', 'rollback', '--dir', dir, '--reason', 'forecasts too low');
  assert.equal(back.code, 0, back.err);
  assert.equal(back.out, `model latency-p95: current ${V2} (rolled back from ${V3})\n`);
  assert.equal(await store.current('latency-p95'), V2);
  const last = (await store.history('latency-p95')).at(-1);
  assert.deepEqual({ event: last?.event, version: last?.version, from: last?.from, reason: last?.reason }, { event: 'rolled_back', version: V2, from: V3, reason: 'forecasts too low' });

  const json = await cli('models', 'list', '--dir', dir, '--json');
  const r = JSON.parse(json.out.trim().split('\n').pop() as string) as { current: string; versions: Array<{ version: string; current: boolean }>; history: unknown[] };
  assert.equal(r.current, V2);
  assert.deepEqual(r.versions.filter((v) => v.current).map((v) => v.version), [V2]);
  assert.equal(r.history.length, 4);

  // Usage errors: an unknown version, a rollback to the current one.
  assert.equal((await cli('models', 'promote', 'nope', '--dir', dir)).code, 2);
  const same = await cli('models', 'rollback', V2, '--dir', dir);
  assert.equal(same.code, 2);
  assert.match(same.err, /is already current/);
});
