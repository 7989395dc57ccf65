// Throughput of the ingest hot path (clean + template + aggregate) on synthetic NDJSON, with
// JSON.parse alone on the same lines as the reference, measured in the same run (issue #16).
//   node --import tsx bench/ingest.ts [LINES] [ROUNDS]   (one JSON line on stdout)
// Times are CPU time of this process (process.cpuUsage: user + system, GC helper threads
// included), the best of ROUNDS interleaved rounds (parse, ingest, parse, ingest, …), so a
// machine shared with other work distorts the ratio less than wall time would.
// `npm run bench` also runs this file bundled by esbuild (no tsx loader) and reports both.
import { benchLines } from './lib/lines.ts';
import { ingestAll, rawInputs, type IngestCounts } from './lib/ingest.ts';
import { cpuMs, goal, loadNote } from './lib/measure.ts';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);

const lines = rawInputs(benchLines(N, 5));

function parseOnly(): number {
  let sink = 0;
  for (const l of lines) sink += (JSON.parse(l.text) as object) ? 1 : 0;
  return sink;
}

let counts: IngestCounts | undefined;

let parseMs = Infinity, ingestMs = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  parseMs = Math.min(parseMs, cpuMs(parseOnly));
  ingestMs = Math.min(ingestMs, cpuMs(() => { counts = ingestAll(lines); }));
}
const perSec = (ms: number): number => Math.round(N / (ms / 1000));
const bundled = !import.meta.url.endsWith('.ts');

console.log(JSON.stringify({
  bench: 'ingest',
  loader: bundled ? 'esbuild bundle (node, no tsx)' : 'tsx',
  lines: N, events: counts?.events, points: counts?.points, deadLetters: counts?.deadLetters, templates: counts?.templates, rounds: ROUNDS,
  linesPerSec: perSec(ingestMs),
  reference: { what: 'JSON.parse alone, same lines, same run', linesPerSec: perSec(parseMs) },
  ratio: Number((parseMs / ingestMs).toFixed(3)),
  goals: [goal('lines/s on one core', perSec(ingestMs), 500_000), goal('ratio to JSON.parse', parseMs / ingestMs, 0.5)],
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  ...loadNote(),
}));
