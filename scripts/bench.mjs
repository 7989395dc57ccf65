// `npm run bench`: runs every bench/*.ts (or those named on the command line) one after
// another — never in parallel, so they do not disturb each other's timings — and passes
// through the JSON lines each prints. The benches of issue #16's hot paths (BUNDLED) run a
// second time bundled by esbuild and run by plain node, without the tsx loader (whose
// per-function `__name` wrappers cost ~10 % of ingest's profile), as `node dist/…` would;
// a last line compares the two runs of each (`bench: "loader"`).
// bench/kafka-consume.ts starts the test rig (RIG_KAFKA_PORT, RIG_ES_PORT) and runs the
// daemon from dist/ (`npm run build` first); bench/nab.ts reads ../shared/data/nab.
import { mkdirSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BUNDLED = new Set(['ingest.ts', 'replay.ts']);
const wanted = process.argv.slice(2);
const files = readdirSync('bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
let failed = 0;

/** Runs one bench, passing its output through; returns its JSON lines. */
function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 << 20 });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) failed++;
  return (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter(Boolean);
}

const loaders = [];
for (const f of files) {
  process.stderr.write(`bench/${f}\n`);
  const viaTsx = run(['--import', 'tsx', `bench/${f}`]);
  if (!BUNDLED.has(f)) continue;
  // esbuild comes with tsx; the bundle goes under var/ (ignored) so node_modules resolve.
  const { build } = await import('esbuild');
  // Split into chunks so the product's dynamic imports stay lazy: one file would load the
  // Elasticsearch and Kafka clients up front in a file replay (0.9 s of its profile).
  const outdir = join('var', 'bench', f.replace(/\.ts$/, ''));
  mkdirSync(outdir, { recursive: true });
  await build({ entryPoints: [`bench/${f}`], bundle: true, splitting: true, platform: 'node', format: 'esm', packages: 'external', outdir, logLevel: 'warning' });
  const out = join(outdir, f.replace(/\.ts$/, '.js'));
  process.stderr.write(`${out} (bundled, no tsx)\n`);
  const bundled = run([out]);
  const a = viaTsx.find((o) => typeof o.linesPerSec === 'number');
  const b = bundled.find((o) => typeof o.linesPerSec === 'number');
  if (a && b) loaders.push({ bench: f.replace(/\.ts$/, ''), tsxLinesPerSec: a.linesPerSec, bundledLinesPerSec: b.linesPerSec, bundledOverTsx: Number((b.linesPerSec / a.linesPerSec).toFixed(2)) });
}
if (loaders.length) console.log(JSON.stringify({ bench: 'loader', what: 'the same bench bundled (plain node) vs under tsx, CPU lines/s', runs: loaders }));
process.exit(failed ? 1 : 0);
