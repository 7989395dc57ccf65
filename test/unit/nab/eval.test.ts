import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { evalNab, scoreOnly } from '../../../detector/nab/run.ts';
import { main } from '../../../daemon/cli.ts';
import { crossValidateNab } from '../../../detector/nab/cv.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const nabRoot = process.env.NAB_ROOT ?? join(repo, '..', 'shared', 'data', 'nab');
const skip = !existsSync(join(nabRoot, 'labels')) && 'NAB data not found';

test('our detector on the DEV split: pinned scores, and its results files score the same', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'nab-'));
  try {
    const s = evalNab(nabRoot, { outDir: out });
    assert.equal(s.files, 44);
    assert.equal(s.points, 280333);
    assert.ok(s.standard >= 76, `standard ${s.standard}`);
    assert.equal(s.standard.toFixed(6), '78.743048');
    assert.equal(s.reward_low_FP_rate.toFixed(6), '74.272806');
    assert.equal(s.reward_low_FN_rate.toFixed(6), '82.214241');
    const again = scoreOnly(join(out, 'foresight'), nabRoot);
    assert.equal(again.standard, s.standard);
    assert.equal(again.detector, 'foresight');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('cli --score-only --json prints one JSON object on the last line', { skip }, async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let err = '';
  stdout.on('data', (b: Buffer) => { text += b.toString(); });
  stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const code = await main(['eval', 'nab', nabRoot, '--json', '--score-only', join(nabRoot, 'results', 'numenta')], { stdout, stderr });
  assert.equal(code, 0);
  const last = JSON.parse(text.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  assert.equal(last.standard, 71.3569076273764);
  assert.equal(last.files, 44);
  assert.equal(await main(['eval', 'nab', nabRoot, '--bogus'], { stdout, stderr }), 2);
  assert.match(err, /unknown option '--bogus'/);
});

test('--cv category: parameters and threshold chosen without the held-out category, pooled over every window', { skip }, () => {
  // Two grid points keep this cheap; the CLI runs NAB_CV_GRID.
  const s = crossValidateNab(nabRoot, () => undefined, [{ fireLevel: 0.45, todAlpha: 0.08 }, { fireLevel: 0.5, todAlpha: 0.08 }]);
  assert.equal(s.files, 44);
  assert.equal(s.windows, 83);
  assert.deepEqual(s.folds.map((f) => f.category), ['artificialNoAnomaly', 'artificialWithAnomaly', 'realAWSCloudwatch', 'realAdExchange', 'realTweets']);
  assert.equal(s.folds.reduce((a, f) => a + f.windows, 0), 83);
  assert.equal(s.folds[0]!.normalized, null, 'a category without windows has no score of its own');
  // The defaults are in sample what eval nab reports.
  assert.equal(s.defaults.standard.toFixed(6), '78.743048');
  assert.ok(s.inSample.standard >= s.defaults.standard);
  // Pooled held-out raw scores, normalised over all 83 windows.
  const raw = s.folds.reduce((a, f) => a + f.raw.standard, 0);
  assert.equal(s.crossValidated.standard, (100 * (raw + 83)) / 166);
});
