import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli-harness.ts';
import type { ForecastEvalReport } from '../../../daemon/eval/forecast.ts';

// `eval forecast --folds` and `--train-scenarios` on three short scenarios of three families
// (leak, load, surge), 2 epochs: what is checked is the split and the bookkeeping, not skill.

let dir: string;

async function run(args: string[]): Promise<{ code: number; report: ForecastEvalReport; err: string }> {
  const { code, out, err } = await cli(...args);
  const last = out.trim().split('\n').at(-1);
  return { code, err, report: (last ? JSON.parse(last) : null) as ForecastEvalReport };
}

function scenario(name: string, into: string, as: string): void {
  const s = JSON.parse(readFileSync(new URL(`../../../ingest/sources/simulator/scenarios/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(into, `${as}.json`), JSON.stringify({ ...s, durationMinutes: 150 }));
}

test('setup: three 150-minute scenarios of three families, and one more as an unseen set', async () => {
  dir = await mkdtemp(join(tmpdir(), 'foresight-eval-folds-'));
  mkdirSync(join(dir, 'suite'));
  mkdirSync(join(dir, 'unseen'));
  scenario('memory-leak', join(dir, 'suite'), '01-leak');
  scenario('steady', join(dir, 'suite'), '02-steady');
  scenario('traffic-surge', join(dir, 'suite'), '03-surge');
  scenario('dependency-outage', join(dir, 'unseen'), '01-outage');
});

test('eval forecast --folds 2: each family scored once by a model that never trained on it, on the in-sample points', { timeout: 600_000 }, async () => {
  const { code, report: r, err } = await run(['eval', 'forecast', '--scenarios', join(dir, 'suite'), '--folds', '2', '--epochs', '2', '--json']);
  assert.equal(code, 0, err);
  const folds = r.folds ?? [];
  const cv = r.crossValidated;
  assert.ok(cv, 'crossValidated');
  // Families dealt as eval leadtime deals them: leak, surge, load → [leak, load] and [surge].
  assert.deepEqual(folds.map((f) => f.heldOut), [['leak', 'load'], ['surge']]);
  assert.deepEqual(folds.map((f) => f.scenarios), [['01-leak', '02-steady'], ['03-surge']]);
  for (const f of folds) assert.equal(f.series + f.trainSeries, r.data.series);
  assert.deepEqual(folds.map((f) => f.series), [6, 2]);
  // Same scored points as the in-sample run, so the baselines score exactly as they do there.
  assert.deepEqual(cv.points, r.points);
  for (const h of ['5', '15', '30']) assert.equal(folds.reduce((a, f) => a + (f.points[h] ?? 0), 0), r.points[h]);
  for (const name of ['damped_trend', 'seasonal_naive', 'theil_sen', 'saturation']) assert.deepEqual(cv.forecasters[name], r.forecasters[name], name);
  assert.equal(cv.forecasters.seasonal_naive?.['15']?.mase, 1);
  assert.equal(cv.tfjsMase15, cv.forecasters.tfjs_mlp?.['15']?.mase);
  assert.equal(cv.inSample.tfjsMase15, r.forecasters.tfjs_mlp?.['15']?.mase);
  assert.equal(cv.beatsBestBaseline, (cv.tfjsMase15 as number) < (cv.bestBaseline15.mase as number));
  assert.deepEqual(cv.groups.map((g) => g.group), r.groups.map((g) => g.group));
  assert.match(err, /cross-validated, 2 folds by scenario family/);
});

test('eval forecast --train-scenarios: the model trains on one set and is scored on another', { timeout: 600_000 }, async () => {
  const unseen = join(dir, 'unseen');
  const { code, report: r, err } = await run(['eval', 'forecast', '--scenarios', unseen, '--train-scenarios', join(dir, 'suite'), '--epochs', '2', '--json']);
  assert.equal(code, 0, err);
  assert.deepEqual(r.data.scenarios, ['01-outage']);
  assert.deepEqual(r.trainedOn?.scenarios, ['01-leak', '02-steady', '03-surge']);
  assert.equal(r.trainedOn?.series, 8);
  assert.equal(r.forecasters.seasonal_naive?.['15']?.mase, 1);
  assert.ok((r.points['15'] ?? 0) > 0);
  assert.match(err, /none of the scored series/);
});

test('eval forecast --folds is refused with --logs, --model, --train-scenarios or out of 2..5', async () => {
  for (const extra of [['--logs', 'x.ndjson'], ['--model', 'm'], ['--train-scenarios', 'suite'], ['--folds', '6']]) {
    const { code, err } = await run(['eval', 'forecast', '--folds', '2', ...extra]);
    assert.notEqual(code, 0, `${extra.join(' ')}: ${err}`);
    assert.match(err, /--folds (must|splits|trains)/, extra.join(' '));
  }
});

test('cleanup', async () => {
  await rm(dir, { recursive: true, force: true });
});
