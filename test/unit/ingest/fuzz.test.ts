import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../core/clock.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import { createIngest, DEAD_LETTER_REASONS, FileSource, MemoryDeadLetterSink, type MetricPoint } from '../../../ingest/index.ts';
import { HOSTILE_KINDS, mix, rng } from '../../fuzz/corpus.ts';
import { config } from './helpers.ts';

/**
 * Property (issue #10): whatever hostile lines are mixed in, ingest does not throw, every
 * line is exactly one event or one dead letter with a reason, and the valid services'
 * metric points are exactly those of the valid lines alone. Through the file source, so
 * bytes (BOM, CRLF, invalid UTF-8, NUL, 10 MB lines) are part of it. Seeded: a failure
 * names its seed and reproduces.
 */

const T0 = Date.UTC(2026, 0, 1);
const SERVICES = ['checkout', 'orders', 'payments'];

function validLines(seed: number, n: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => JSON.stringify({
    timestamp: new Date(T0 + i * 250 + Math.floor(r() * 200)).toISOString(),
    service: SERVICES[i % 3], level: r() < 0.02 ? 'error' : 'info',
    message: `GET /api/items/${Math.floor(r() * 100)} completed in ${Math.floor(r() * 300)} ms`,
    latency_ms: Math.floor(r() * 300), status: r() < 0.02 ? 503 : 200,
  }));
}

async function ingestFile(path: string): Promise<{ lines: number; events: number; letters: { reason: string; detail: string }[]; points: MetricPoint[] }> {
  const ing = createIngest(config(), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
  const src = new FileSource(path, { clock: new ManualClock(0), maxLineBytes: 65_536, batchSize: 500 });
  const letters: { reason: string; detail: string }[] = [];
  const points: MetricPoint[] = [];
  let lines = 0;
  let events = 0;
  for await (const batch of src.batches(new AbortController().signal)) {
    lines += batch.length;
    const out = ing.handle(batch);
    events += out.events.length;
    letters.push(...out.deadLetters.map((d) => ({ reason: d.reason, detail: d.detail })));
    points.push(...out.points);
  }
  points.push(...ing.flush());
  return { lines, events, letters, points };
}

const ACCEPTED = new Set(['unicode_service', 'duplicated_keys', 'prototype_keys', 'redos_email']);

test('fuzz: hostile lines never crash ingest, are each accounted for, and leave valid services untouched', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-fuzz-'));
  const valid = validLines(1, 3000);
  const clean = join(dir, 'clean.ndjson');
  writeFileSync(clean, valid.join('\n') + '\n');
  const base = await ingestFile(clean);
  assert.equal(base.letters.length, 0);
  const validPoints = JSON.stringify(base.points.filter((p) => SERVICES.includes(p.service)));
  const seen = new Set<string>();
  for (const seed of [11, 12, 13]) {
    const parts: Buffer[] = [];
    let rejected = 0;
    let accepted = 0;
    for (const { bytes, hostile } of mix(valid, { seed, ratio: 0.3, rewrite: 0.1, junkServicesAtStart: 200, hugeLines: seed === 11 })) {
      parts.push(bytes, Buffer.from('\n'));
      if (hostile === null) continue;
      seen.add(hostile);
      if (ACCEPTED.has(hostile)) accepted++; else rejected++;
    }
    const file = join(dir, `mixed-${seed}.ndjson`);
    writeFileSync(file, Buffer.concat(parts));
    const before = process.memoryUsage().rss;
    const got = await ingestFile(file);
    const msg = `seed ${seed}`;
    assert.equal(got.lines, got.events + got.letters.length, `${msg}: lines = events + dead letters`);
    assert.equal(got.letters.length, rejected, `${msg}: every rejecting hostile line, and only those, is a dead letter`);
    assert.equal(got.events, valid.length + accepted, msg);
    for (const d of got.letters) {
      assert.ok((DEAD_LETTER_REASONS as readonly string[]).includes(d.reason), `${msg}: reason ${d.reason}`);
      assert.ok(d.detail.length > 0, `${msg}: ${d.reason} has a detail`);
    }
    assert.equal(JSON.stringify(got.points.filter((p) => SERVICES.includes(p.service))), validPoints, `${msg}: valid services' points unchanged`);
    // 10 MB lines are read in pieces and cut at maxLineBytes: memory does not follow them.
    assert.ok(process.memoryUsage().rss - before < 200e6, `${msg}: rss grew ${Math.round((process.memoryUsage().rss - before) / 1e6)} MB`);
  }
  assert.deepEqual([...seen].sort(), [...HOSTILE_KINDS].sort(), 'every hostile kind was tried');
});
