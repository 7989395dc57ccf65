import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../daemon/cli.ts';
import { simulateToStream } from '../../../ingest/sources/simulator/index.ts';
import { loadTf, loadModel, createFileModelStore } from '../../../models/tfjs/index.ts';

let dir: string;
let logs: string;

function io(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: string[] = [];
  const e: string[] = [];
  stdout.on('data', (c) => o.push(String(c)));
  stderr.on('data', (c) => e.push(String(c)));
  return { io: { stdout, stderr }, out: () => o.join(''), err: () => e.join('') };
}

function lastJson(text: string): Record<string, unknown> {
  const lines = text.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
}

test('setup: 150 simulated minutes of the steady scenario as NDJSON', async () => {
  dir = await mkdtemp(join(tmpdir(), 'foresight-train-'));
  logs = join(dir, 'steady.ndjson');
  const file = createWriteStream(logs);
  await simulateToStream('steady', { minutes: 150, seed: 3 }, file);
  file.end();
  await finished(file);
});

test('foresight train: ingests the file, trains, validates and saves a loadable versioned model', async () => {
  const c = io();
  const out = join(dir, 'models');
  const code = await main(['train', logs, '--out', out, '--epochs', '2', '--json'], c.io);
  assert.equal(code, 0, c.err());
  const r = lastJson(c.out()) as { version: string; promoted: boolean; current: string | null; dir: string; history: { services: number }; trainedOn: { files: string[]; services: number; points: number }; validation: { horizon: number; tfjs: number; mase: Record<string, number> } };
  assert.match(r.version, /^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  assert.equal(r.dir, out);
  assert.equal(r.history.services, 3);
  assert.deepEqual(r.trainedOn.files, [logs]);
  assert.equal(r.trainedOn.services, 3);
  assert.equal(r.validation.horizon, 15);
  assert.deepEqual(Object.keys(r.validation.mase).sort(), ['damped_trend', 'saturation', 'seasonal_naive', 'tfjs_mlp', 'theil_sen']);
  assert.equal(r.validation.mase.seasonal_naive, 1);
  assert.equal(r.current, r.promoted ? r.version : null);
  assert.match(c.err(), r.promoted ? /promoted: tfjs_mlp/ : /NOT promoted/);
  const store = createFileModelStore(out);
  assert.deepEqual(await store.versions('latency-p95'), [r.version]);
  const { tf } = await loadTf();
  const loaded = await loadModel(tf, store, 'latency-p95', { stepMs: 60_000, horizon: 30, quantiles: [0.1, 0.5, 0.9] }, r.version);
  assert.equal(loaded.meta.version, r.version);
  assert.equal(loaded.meta.validation?.promoted, r.promoted);
  loaded.model.dispose();
});

test('foresight eval forecast --logs --json: one JSON object on the last line, every forecaster at 5/15/30', async () => {
  const c = io();
  const code = await main(['eval', 'forecast', '--logs', logs, '--epochs', '2', '--json'], c.io);
  assert.equal(code, 0, c.err());
  const r = lastJson(c.out()) as { data: { kind: string; series: number; trainFraction: number }; horizons: number[]; baseline: string; tfjs: { source: string; epochs: number }; points: Record<string, number>; forecasters: Record<string, Record<string, { mase: number; coverage: number }>> };
  assert.deepEqual(r.data.kind, 'logs');
  assert.equal(r.data.series, 3);
  assert.equal(r.data.trainFraction, 0.5);
  assert.deepEqual(r.horizons, [5, 15, 30]);
  assert.equal(r.baseline, 'seasonal_naive');
  assert.equal(r.tfjs.source, 'trained');
  assert.deepEqual(Object.keys(r.forecasters).sort(), ['damped_trend', 'saturation', 'seasonal_naive', 'tfjs_mlp', 'theil_sen']);
  for (const h of ['5', '15', '30']) {
    assert.ok((r.points[h] ?? 0) > 0, `points at ${h}`);
    assert.equal(r.forecasters.seasonal_naive?.[h]?.mase, 1);
    const cov = r.forecasters.tfjs_mlp?.[h]?.coverage as number;
    assert.ok(cov >= 0 && cov <= 1);
  }
  assert.match(c.err(), /MASE@15/);
  // Progress on stderr (a pipe here: JSON lines), one final line per phase, none on stdout.
  const progress = c.err().split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { progress: { task: string; done: number; total?: number; fraction?: number } }).progress);
  const last = (task: string) => progress.filter((p) => p.task === task).at(-1);
  assert.equal(last('eval forecast: reading logs')?.fraction, 1, c.err());
  assert.deepEqual([last('eval forecast: fitting')?.done, last('eval forecast: fitting')?.total], [r.tfjs.epochs, 2]);
  assert.deepEqual([last('eval forecast: scoring')?.done, last('eval forecast: scoring')?.total], [r.data.series, r.data.series]);
  assert.ok(!c.out().includes('"progress"'), 'no progress on stdout');
});

test('cleanup', async () => {
  await rm(dir, { recursive: true, force: true });
});
