// Progress on a non-terminal (issue #15 item 4): stderr is a pipe here, so long commands
// write JSON progress lines there, and stdout keeps only the command's own output (the
// --json object on its last line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.ts';

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
