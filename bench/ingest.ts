// Throughput of the ingest hot path (clean + template + aggregate) on synthetic NDJSON, with
// JSON.parse alone on the same lines as the reference, measured in the same run (issue #16).
//   node --import tsx bench/ingest.ts [LINES] [ROUNDS]   (one JSON line on stdout)
// Times are CPU time of this process (process.cpuUsage: user + system, GC helper threads
// included), the best of ROUNDS interleaved rounds (parse, ingest, parse, ingest, …), so a
// machine shared with other work distorts the ratio less than wall time would.
// `npm run bench` also runs this file bundled by esbuild (no tsx loader) and reports both.
import { ManualClock } from '../core/clock.ts';
import { Telemetry } from '../core/telemetry.ts';
import { createIngest, MemoryDeadLetterSink, parseIngestConfig } from '../ingest/index.ts';
import type { RawInput } from '../ingest/types.ts';
import { benchLines } from './lib/lines.ts';
import { cpuMs, goal, loadNote } from './lib/measure.ts';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 1000;

const lines: RawInput[] = benchLines(N, 5).map((text, i) => ({ text, bytes: Buffer.byteLength(text), position: { kind: 'file', file: 'bench', line: i + 1 }, receivedAt: 0 }));

function parseOnly(): number {
  let sink = 0;
  for (const l of lines) sink += (JSON.parse(l.text) as object) ? 1 : 0;
  return sink;
}

let events = 0, points = 0, dead = 0, templates: unknown;
function ingestAll(): void {
  const ingest = createIngest(parseIngestConfig({}), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
  events = 0; points = 0; dead = 0;
  for (let i = 0; i < lines.length; i += BATCH) {
    const out = ingest.handle(lines.slice(i, i + BATCH));
    events += out.events.length; points += out.points.length; dead += out.deadLetters.length;
  }
  points += ingest.flush().length;
  templates = ingest.health().detail?.templates;
}

let parseMs = Infinity, ingestMs = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  parseMs = Math.min(parseMs, cpuMs(parseOnly));
  ingestMs = Math.min(ingestMs, cpuMs(ingestAll));
}
const perSec = (ms: number): number => Math.round(N / (ms / 1000));
const bundled = !import.meta.url.endsWith('.ts');

console.log(JSON.stringify({
  bench: 'ingest',
  loader: bundled ? 'esbuild bundle (node, no tsx)' : 'tsx',
  lines: N, events, points, deadLetters: dead, templates, rounds: ROUNDS,
  linesPerSec: perSec(ingestMs),
  reference: { what: 'JSON.parse alone, same lines, same run', linesPerSec: perSec(parseMs) },
  ratio: Number((parseMs / ingestMs).toFixed(3)),
  goals: [goal('lines/s on one core', perSec(ingestMs), 500_000), goal('ratio to JSON.parse', parseMs / ingestMs, 0.5)],
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  ...loadNote(),
}));
