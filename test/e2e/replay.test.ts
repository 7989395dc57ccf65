import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.ts';

interface Report {
  lines: number;
  deadLetters: { total: number; byReason: Record<string, number> };
  windows: number;
  detections: Array<{ kind: string; service: string; leadTimeMs?: number }>;
  actions: Array<{ actionId: string; kind: string; mode: string; replay?: boolean }>;
}

test('simulate a memory leak, replay it with malformed lines: breach predicted ahead, action planned, bad lines dead-lettered', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-replay-'));
  const logs = join(dir, 'leak.ndjson');
  const sim = await runCli(['simulate', '--scenario', 'memory-leak', '--minutes', '240', '--seed', '7'], { cwd: dir });
  assert.equal(sim.code, 0, sim.stderr);
  writeFileSync(logs, sim.stdout);
  appendFileSync(logs, 'this is not json\n["an","array"]\n{"timestamp":"2026-01-01T02:00:00Z","message":"who am I"}\n');

  const report = join(dir, 'report.json');
  const r = await runCli(['replay', logs, '--report', report], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(readFileSync(report, 'utf8')) as Report;
  assert.equal(rep.lines, sim.stdout.trim().split('\n').length + 3);
  assert.deepEqual(rep.deadLetters, { total: 3, byReason: { not_json: 1, not_object: 1, no_service: 1 } });
  const breach = rep.detections.find((d) => d.kind === 'predicted_breach' && d.service === 'checkout');
  assert.ok(breach, 'a predicted breach on the leaking service');
  assert.ok((breach.leadTimeMs ?? 0) > 0, 'with a positive lead time');
  assert.ok(rep.actions.length >= 1);
  // orders and payments stay healthy: their rare routine errors (`… failed: internal server
  // error`, 9–16 lines each in 4 hours) are not new templates; checkout's GC pauses are.
  const logPattern = rep.detections.filter((d) => d.kind === 'log_pattern');
  assert.deepEqual(logPattern.filter((d) => d.service !== 'checkout'), []);
  assert.ok(logPattern.length >= 1, 'log_pattern detections on the leaking service');
  assert.ok(rep.actions.every((a) => a.mode === 'dry_run' && a.replay === true));
  // Replay records go to the replay files, never into the live daemon's.
  assert.ok(existsSync(join(dir, 'var', 'actions-replay.ndjson')));
  assert.ok(!existsSync(join(dir, 'var', 'actions.ndjson')));

  const letters = readFileSync(join(dir, 'var', 'dead-letters.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; position: { line: number } });
  assert.deepEqual(letters.map((l) => l.reason), ['not_json', 'not_object', 'no_service']);
  assert.equal(letters[0]?.position.line, rep.lines - 2);

  // Replaying the same file again adds no duplicate action records.
  const again = await runCli(['replay', logs, '--report', report], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  const rep2 = JSON.parse(readFileSync(report, 'utf8')) as Report;
  assert.deepEqual(rep2.actions.map((a) => a.actionId), rep.actions.map((a) => a.actionId));
});

test('replay reports a missing file as a clear error', async () => {
  const r = await runCli(['replay', '/nonexistent/logs.ndjson']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nonexistent\/logs\.ndjson/);
});
