import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  normalise, optimizeThreshold, pickThreshold, probationLength, scaledSigmoid, scoreByThreshold, scoreCorpusAt, sweepFile,
  NO_WINDOW, PROBATION,
} from '../../../detector/nab/score.ts';
import type { ScoredFile } from '../../../detector/nab/score.ts';
import { NAB_PROFILES } from '../../../detector/nab/profiles.ts';
import { scoreCorpus } from '../../../detector/nab/evaluate.ts';
import { readResults, readSeries, readWindows } from '../../../detector/nab/io.ts';

const standard = NAB_PROFILES.standard;

test('scaled sigmoid: window edges and the strict cut-off after y = 3', () => {
  assert.equal(scaledSigmoid(0), 0);
  assert.equal(scaledSigmoid(-1), 0.9866142981514305);
  assert.equal(scaledSigmoid(1), -0.9866142981514303);
  assert.equal(scaledSigmoid(3), -0.9999993881955461);
  assert.equal(scaledSigmoid(3.0000001), -1);
});

test('probation: 15% of the rows, capped at 750', () => {
  assert.equal(probationLength(20), 3);
  assert.equal(probationLength(1243), 186);
  assert.equal(probationLength(15902), 750);
});

// 20 rows (probation 3), one window on rows 10..13; detections at rows 1 (probation), 5, 11, 12, 16.
function tinyFile(): ScoredFile {
  const timestamps = Array.from({ length: 20 }, (_, i) => i * 60_000);
  const scores = new Array<number>(20).fill(0.1);
  for (const i of [1, 5, 11, 12, 16]) scores[i] = 0.9;
  scores[12] = 0.95;
  return { path: 'x/tiny.csv', timestamps, scores, windows: [[10 * 60_000, 13 * 60_000]] };
}

test('sweep weights: in-window sigmoid, FP before any window is -fpWeight, after a window by distance', () => {
  const rows = sweepFile(tinyFile(), standard);
  assert.equal(rows.windows[1], PROBATION);
  assert.equal(rows.windows[5], NO_WINDOW);
  assert.equal(rows.windows[11], 0);
  assert.equal(rows.weights[5], -0.11);
  assert.equal(rows.weights[10], 1); // first row of the window earns tpWeight
  assert.equal(rows.weights[11], 0.9669890878000605);
  assert.ok(Math.abs((rows.weights[11] as number) - Math.tanh(1.875) / Math.tanh(2.5)) < 1e-15);
  assert.equal(rows.weights[16], 0.11 * scaledSigmoid(1));
});

test('only the earliest hit in a window counts; thresholds sweep from 1.1 downwards', () => {
  const table = scoreByThreshold(sweepFile(tinyFile(), standard), standard);
  assert.deepEqual(table.map((r) => r.threshold), [1.1, 0.95, 0.9, 0.1]);
  assert.equal(table[0]?.score, -1);
  // at 0.95 only row 12 fires (in window); at 0.9 row 11 (earlier) replaces it, plus two FPs
  assert.equal(table[1]?.score, -0 + scaledSigmoid(-2 / 4) / scaledSigmoid(-1));
  assert.ok(Math.abs((table[2]?.score as number) - (-0.11 + 0.11 * scaledSigmoid(1) + Math.tanh(1.875) / Math.tanh(2.5))) < 1e-15);
  assert.equal(table[2]?.score, 0.7484615150034032);
  assert.deepEqual([table[2]?.tp, table[2]?.fp, table[2]?.fn, table[2]?.tn], [2, 2, 2, 11]);
  assert.equal(pickThreshold(table, 0.92).threshold, 0.95);
  assert.equal(pickThreshold(table, 0.9).threshold, 0.9);
});

test('optimiser: ties go to the higher threshold; normalisation against null and perfect', () => {
  const flat: ScoredFile = { ...tinyFile(), scores: new Array<number>(20).fill(0.5) };
  const best = optimizeThreshold([flat], NAB_PROFILES.reward_low_FP_rate);
  assert.equal(best.threshold, 1.1);
  assert.equal(scoreCorpusAt([tinyFile()], standard, 0.9).total, 0.7484615150034032);
  assert.equal(normalise(-1, 1, standard), 0);
  assert.equal(normalise(1, 1, standard), 100);
  assert.equal(normalise(0, 1, NAB_PROFILES.reward_low_FN_rate), 200 / 3);
});

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const nabRoot = process.env.NAB_ROOT ?? join(repo, '..', 'shared', 'data', 'nab');
const haveNab = existsSync(join(nabRoot, 'expected_dev_scores.json'));

type Expected = Record<string, Record<string, { threshold: number; score: number; normalized: number }>>;

test('reproduces the official scorer on the DEV split: numenta, windowedGaussian, null', { skip: !haveNab && 'NAB data not found' }, () => {
  const expected = JSON.parse(readFileSync(join(nabRoot, 'expected_dev_scores.json'), 'utf8')) as Expected;
  const windows = readWindows(nabRoot);
  const corpora: Record<string, ScoredFile[]> = {};
  for (const det of ['numenta', 'windowedGaussian']) {
    corpora[det] = readResults(join(nabRoot, 'results', det)).results.map((r) => ({
      path: r.path, timestamps: r.times, scores: r.scores, windows: windows.get(r.path) ?? [],
    }));
  }
  // NAB's null detector answers 0.5 on every row.
  corpora.null = readSeries(nabRoot).map((s) => ({
    path: s.path, timestamps: s.times, scores: new Float64Array(s.times.length).fill(0.5), windows: windows.get(s.path) ?? [],
  }));
  for (const [det, files] of Object.entries(corpora)) {
    assert.equal(files.length, 44, det);
    const got = scoreCorpus(files);
    for (const [profile, want] of Object.entries(expected[det] ?? {})) {
      const mine = got[profile as keyof typeof got];
      assert.equal(mine.threshold, want.threshold, `${det} ${profile} threshold`);
      // Only the order in which per-file totals are added differs from NAB (os.walk order).
      assert.ok(Math.abs(mine.score - want.score) < 1e-12, `${det} ${profile} score ${mine.score} vs ${want.score}`);
      assert.ok(Math.abs(mine.normalized - want.normalized) < 1e-11, `${det} ${profile} normalized ${mine.normalized} vs ${want.normalized}`);
    }
  }
});
