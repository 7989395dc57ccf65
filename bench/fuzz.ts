// The fuzz property at scale (issue #10): N generated lines (default 1,000,000), valid
// ones with hostile ones mixed in (test/fuzz/corpus.ts), written to a file and read back
// through the file source and the ingest stage (clean, template, aggregate). Prints one
// JSON line: lines/s, peak RSS, and whether every line was accounted for.
// Usage: node --import tsx bench/fuzz.ts [LINES] [SEED]
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ManualClock } from '../core/clock.ts';
import { Telemetry } from '../core/telemetry.ts';
import { createIngest, FileSource, MemoryDeadLetterSink, parseIngestConfig } from '../ingest/index.ts';
import { mix, rng } from '../test/fuzz/corpus.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 1);
const RATIO = 0.2;
const T0 = Date.UTC(2026, 0, 1);
const SERVICES = ['checkout', 'orders', 'payments', 'search', 'auth'];

function* valid(n: number): Generator<string> {
  const r = rng(SEED);
  for (let i = 0; i < n; i++) {
    yield JSON.stringify({
      timestamp: new Date(T0 + i * 20 + Math.floor(r() * 50)).toISOString(), service: SERVICES[i % SERVICES.length],
      level: r() < 0.02 ? 'error' : 'info', message: `GET /api/items/${Math.floor(r() * 1000)} completed in ${Math.floor(r() * 300)} ms`,
      latency_ms: Math.floor(r() * 300), status: r() < 0.02 ? 503 : 200,
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'foresight-bench-fuzz-'));
const file = join(dir, 'fuzz.ndjson');
try {
  // About N lines in all: valid ones plus RATIO hostile per valid line.
  const out = createWriteStream(file);
  let written = 0;
  let hostile = 0;
  for (const { bytes, hostile: h } of mix(valid(Math.round(N / (1 + RATIO))), { seed: SEED, ratio: RATIO, rewrite: 0.05, junkServicesAtStart: 1000, hugeLines: false })) {
    if (!out.write(Buffer.concat([bytes, Buffer.from('\n')]))) await once(out, 'drain');
    written++;
    if (h) hostile++;
  }
  out.end();
  await once(out, 'finish');

  const ingest = createIngest(parseIngestConfig({}), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
  const source = new FileSource(file, { clock: new ManualClock(0), batchSize: 2000 });
  let lines = 0;
  let events = 0;
  let dead = 0;
  let points = 0;
  const t = performance.now();
  for await (const batch of source.batches(new AbortController().signal)) {
    lines += batch.length;
    const o = ingest.handle(batch);
    events += o.events.length;
    dead += o.deadLetters.length;
    points += o.points.length;
  }
  points += ingest.flush().length;
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(JSON.stringify({
    bench: 'fuzz', seed: SEED, lines, hostileLines: hostile, events, deadLetters: dead, points,
    accounted: lines === written && lines === events + dead,
    seconds: Number(seconds.toFixed(2)), linesPerSec: Math.round(lines / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
