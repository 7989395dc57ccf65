// Progress on a non-terminal (issue #15 item 4): stderr is a pipe here, so long commands
// (replay, train, eval nab/forecast/loghub) write JSON progress lines there, and stdout keeps
// only the command's own output (the --json object on its last line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.ts';
import { DRAIN3_PYTHON } from '../../daemon/eval/drain3.ts';

interface ProgressLine { level: number; msg: string; progress: { task: string; unit: string; done: number; fraction?: number; total?: number; ratePerS: number } }

const dir = mkdtempSync(join(tmpdir(), 'foresight-progress-'));
const logs = join(dir, 'leak.ndjson');

function progressLines(stderr: string): ProgressLine[] {
  return stderr.split('\n').filter((l) => l.includes('"progress"')).map((l) => JSON.parse(l) as ProgressLine);
}

test('replay: every stderr line is JSON, the last progress line counts every line at 100%', { timeout: 180_000 }, async () => {
  const sim = await runCli(['simulate', '--scenario', 'memory-leak', '--minutes', '90', '--seed', '7'], { cwd: dir });
  assert.equal(sim.code, 0, sim.stderr);
  writeFileSync(logs, sim.stdout);
  const lines = sim.stdout.trim().split('\n').length;

  const r = await runCli(['replay', logs], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const stderr = r.stderr.trim().split('\n');
  for (const l of stderr) assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
  const last = progressLines(r.stderr).filter((p) => p.progress.task === 'replay').at(-1);
  assert.ok(last, r.stderr);
  assert.equal(last.progress.unit, 'lines');
  assert.equal(last.progress.done, lines);
  assert.equal(last.progress.fraction, 1);
  assert.match(last.msg, new RegExp(`^replay: ${lines} lines, 100\\.0%, \\d+ lines/s$`));
  assert.match(r.stdout, new RegExp(`^replayed ${lines} lines: `), 'stdout holds only the summary');
});

test('train --json: progress of reading and fitting on stderr, the JSON object still the last line of stdout', { timeout: 300_000 }, async () => {
  const r = await runCli(['train', logs, '--epochs', '3', '--out', join(dir, 'models'), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { training: { epochs: number } };
  assert.ok(report.training.epochs >= 1 && report.training.epochs <= 3);
  const progress = progressLines(r.stderr);
  const reading = progress.filter((p) => p.progress.task === 'train: reading history').at(-1);
  const fitting = progress.filter((p) => p.progress.task === 'train: fitting').at(-1);
  assert.equal(reading?.progress.fraction, 1, r.stderr);
  assert.deepEqual([fitting?.progress.done, fitting?.progress.total], [report.training.epochs, 3]);
  assert.ok(!r.stdout.includes('"progress"'), 'no progress on stdout');
});

function lastOf(stderr: string, task: string): ProgressLine['progress'] | undefined {
  return progressLines(stderr).filter((p) => p.progress.task === task).at(-1)?.progress;
}

/** A NAB-layout corpus of three short series in two categories, one labelled window each. */
function nabFixture(): string {
  const root = join(dir, 'nab');
  const windows: Record<string, string[][]> = {};
  const stamp = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
  for (const [k, path] of ['catA/one.csv', 'catA/two.csv', 'catB/three.csv'].entries()) {
    mkdirSync(join(root, 'data', path.split('/')[0]!), { recursive: true });
    const rows = ['timestamp,value'];
    for (let i = 0; i < 1200; i++) rows.push(`${stamp(i)},${(100 + 20 * Math.sin(i / 40) + ((i * 7919 + k) % 13) + (i >= 900 && i < 910 ? 400 : 0)).toFixed(2)}`);
    writeFileSync(join(root, 'data', path), `${rows.join('\n')}\n`);
    windows[path] = [[`${stamp(880)}.000000`, `${stamp(940)}.000000`]];
  }
  mkdirSync(join(root, 'labels'));
  writeFileSync(join(root, 'labels', 'combined_windows.json'), JSON.stringify(windows));
  return root;
}

test('eval nab and --cv: detecting and scoring (folds) as progress on stderr, the JSON object last on stdout', { timeout: 120_000 }, async () => {
  const root = nabFixture();
  const r = await runCli(['eval', 'nab', root, '--out', join(dir, 'nab-results'), '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { files: number }).files, 3);
  assert.deepEqual([lastOf(r.stderr, 'eval nab: detecting')?.done, lastOf(r.stderr, 'eval nab: detecting')?.total], [3, 3], r.stderr);
  assert.deepEqual([lastOf(r.stderr, 'eval nab: scoring')?.done, lastOf(r.stderr, 'eval nab: scoring')?.total], [3, 3], r.stderr);
  assert.ok(!r.stdout.includes('"progress"'), 'no progress on stdout');

  const cv = await runCli(['eval', 'nab', root, '--cv', 'category', '--json'], { cwd: dir });
  assert.equal(cv.code, 0, cv.stderr);
  assert.equal((JSON.parse(cv.stdout.trim().split('\n').at(-1)!) as { cv: string }).cv, 'category');
  // 9 grid points x 3 series, then the 2 held-out categories and the in-sample choice.
  assert.deepEqual([lastOf(cv.stderr, 'eval nab --cv: detecting')?.done, lastOf(cv.stderr, 'eval nab --cv: detecting')?.total], [27, 27], cv.stderr);
  assert.deepEqual([lastOf(cv.stderr, 'eval nab --cv: cross-validating')?.done, lastOf(cv.stderr, 'eval nab --cv: cross-validating')?.total], [3, 3], cv.stderr);
});

test('eval forecast --scenarios: simulating, fitting and scoring as progress on stderr', { timeout: 300_000 }, async () => {
  const scenarios = join(dir, 'scenarios');
  mkdirSync(scenarios);
  const leak = JSON.parse(readFileSync(new URL('../../ingest/sources/simulator/scenarios/memory-leak.json', import.meta.url), 'utf8')) as { durationMinutes: number };
  writeFileSync(join(scenarios, 'leak.json'), JSON.stringify({ ...leak, durationMinutes: 150 }));
  const r = await runCli(['eval', 'forecast', '--scenarios', scenarios, '--epochs', '2', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { data: { lines: number; series: number }; tfjs: { epochs: number } };
  assert.deepEqual([lastOf(r.stderr, 'eval forecast: simulating')?.done, lastOf(r.stderr, 'eval forecast: simulating')?.fraction], [report.data.lines, 1], r.stderr);
  assert.deepEqual([lastOf(r.stderr, 'eval forecast: fitting')?.done, lastOf(r.stderr, 'eval forecast: fitting')?.total], [report.tfjs.epochs, 2]);
  assert.deepEqual([lastOf(r.stderr, 'eval forecast: scoring')?.done, lastOf(r.stderr, 'eval forecast: scoring')?.total], [report.data.series, report.data.series]);
  assert.ok(!r.stdout.includes('"progress"'), 'no progress on stdout');
});

test('eval loghub: our miner per set (and Drain3 when installed) as progress on stderr', { timeout: 120_000 }, async () => {
  const root = join(dir, 'loghub');
  for (const set of ['Alpha', 'Beta']) {
    mkdirSync(join(root, set), { recursive: true });
    const rows = ['LineId,Content,EventId,EventTemplate'];
    for (let i = 1; i <= 40; i++) rows.push(i % 2 ? `${i},Receiving block blk_${i} from /10.0.0.${i},E1,Receiving block blk_<*> from /<*>` : `${i},Verification succeeded for blk_${i},E2,Verification succeeded for blk_<*>`);
    writeFileSync(join(root, set, `${set}_2k.log_structured.csv`), `${rows.join('\n')}\n`);
  }
  const r = await runCli(['eval', 'loghub', root, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { sets: object }).sets), ['Alpha', 'Beta']);
  assert.deepEqual([lastOf(r.stderr, 'eval loghub: ours')?.done, lastOf(r.stderr, 'eval loghub: ours')?.total], [2, 2], r.stderr);
  if (existsSync(DRAIN3_PYTHON)) assert.deepEqual([lastOf(r.stderr, 'eval loghub: drain3')?.done, lastOf(r.stderr, 'eval loghub: drain3')?.total], [2, 2], r.stderr);
  else assert.equal(lastOf(r.stderr, 'eval loghub: drain3'), undefined);
  assert.ok(!r.stdout.includes('"progress"'), 'no progress on stdout');
});
