import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEAD_LETTER_REASONS } from '../../ingest/types.ts';
import type { ReplayReport } from '../../daemon/replay.ts';
import { mix } from '../fuzz/corpus.ts';
import { runCli } from './helpers.ts';

/**
 * Issue #10: the whole daemon pipeline (`foresight replay`) on simulator output with
 * hostile lines mixed in — every kind from test/fuzz/corpus.ts, 10 MB lines, and 1,000
 * one-line junk service names ahead of everything — against the same output without them.
 * No crash within a 512 MB heap, every line accounted for, every dead letter with a
 * reason, and the same detections and actions.
 */

const ACCEPTED = new Set(['unicode_service', 'duplicated_keys', 'prototype_keys', 'redos_email']);

test('replay of simulator output with hostile lines: same detections and actions, every line accounted for', { timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-fuzz-e2e-'));
  const sim = await runCli(['simulate', '--scenario', 'demo', '--minutes', '60', '--seed', '3']);
  assert.equal(sim.code, 0, sim.stderr);
  const valid = sim.stdout.split('\n').filter((l) => l !== '');
  const validFile = join(dir, 'valid.ndjson');
  writeFileSync(validFile, sim.stdout);

  const parts: Buffer[] = [];
  let lines = 0;
  let rejected = 0;
  for (const { bytes, hostile } of mix(valid, { seed: 7, ratio: 0.05, rewrite: 0.05, junkServicesAtStart: 1000, hugeLines: true })) {
    parts.push(bytes, Buffer.from('\n'));
    lines++;
    if (hostile !== null && !ACCEPTED.has(hostile)) rejected++;
  }
  const mixedFile = join(dir, 'mixed.ndjson');
  writeFileSync(mixedFile, Buffer.concat(parts));

  const replay = async (file: string, name: string): Promise<ReplayReport> => {
    const report = join(dir, `${name}.json`);
    const r = await runCli(['replay', file, '--report', report], {
      env: { FORESIGHT_STORES__DIR: join(dir, name), NODE_OPTIONS: '--max-old-space-size=512' },
    });
    assert.equal(r.code, 0, `${name}: ${r.stderr.slice(-2000)}`);
    return JSON.parse(readFileSync(report, 'utf8')) as ReplayReport;
  };
  const base = await replay(validFile, 'valid');
  const got = await replay(mixedFile, 'mixed');

  assert.ok(base.detections.some((d) => d.kind === 'predicted_breach'), 'the baseline predicts a breach, so the comparison means something');
  assert.equal(got.lines, lines);
  assert.equal(got.lines, got.events + got.deadLetters.total);
  assert.equal(got.deadLetters.total, rejected);
  const letters = readFileSync(join(dir, 'mixed', 'dead-letters.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { reason: string; detail: string });
  assert.equal(letters.length, rejected);
  for (const d of letters) {
    assert.ok((DEAD_LETTER_REASONS as readonly string[]).includes(d.reason), d.reason);
    assert.ok(d.detail.length > 0);
  }
  assert.deepEqual(got.detections, base.detections);
  // The config hash differs (stores.dir); everything else in the records must not.
  const strip = (r: ReplayReport) => r.actions.map(({ daemon: _daemon, ...a }) => a);
  assert.deepEqual(strip(got), strip(base));
});
