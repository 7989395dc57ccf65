// `npm run bench`: runs every bench/*.ts (or those named on the command line) one after
// another — never in parallel, so they do not disturb each other's timings — and passes
// through the JSON lines each prints. The benches of issue #16's hot paths (BUNDLED) run a
// second time bundled by esbuild and run by plain node, without the tsx loader (whose
// per-function `__name` wrappers cost ~10 % of ingest's profile), as `node dist/…` would;
// a last line compares the two runs of each (`bench: "loader"`).
// bench/kafka-consume.ts starts the test rig (RIG_KAFKA_PORT, RIG_ES_PORT) and runs the
// daemon from dist/ (`npm run build` first); bench/nab.ts reads ../shared/data/nab.
// The last line (`bench: "goals"`) gathers every goal of issue #16 the run measured, with
// the figure, its same-run reference and ratio where the bench has one, and the run's wall
// time. The full run took 28 min 24 s on the shared 2-core machine (load 9.9 → 16.5,
// 2026-11-30); `--quick` runs every bench on smaller inputs (QUICK below) to check that all
// of them still work and print their goals (830 s wall at load 13–24): its figures are not
// the README's.
//   npm run bench [-- --quick] [NAME...]
import { mkdirSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';

const BUNDLED = new Set(['ingest.ts', 'replay.ts']);
/** Smaller inputs per bench for --quick (arguments as each bench's usage line has them). */
const QUICK = {
  'cli-startup.ts': { args: ['3'] },
  'forecasting.ts': { args: ['20', '200'] },
  'fuzz.ts': { args: ['50000'] },
  'ingest.ts': { args: ['50000', '2'] },
  'kafka-consume.ts': { args: ['40000'] },
  'models.ts': { args: ['1000', '2500'] },
  'python-peer.ts': { args: ['50000', '1'] },
  'replay.ts': { args: ['100000'] },
  'rss-services.ts': { args: ['1000'], env: { MINUTES: '3' } },
  'rss.ts': { args: ['20'], env: { WALL_S: '20' } },
  'templates-loghub.ts': { args: ['--lines', '20000'] },
};
const quick = process.argv.includes('--quick');
const wanted = process.argv.slice(2).filter((a) => a !== '--quick');
const startedAt = performance.now();
const files = readdirSync('bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
let failed = 0;

/** Runs one bench, passing its output through; returns its JSON lines. */
function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) failed++;
  return (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter(Boolean);
}

const loaders = [];
const results = [];
for (const f of files) {
  const q = quick ? QUICK[f] ?? { args: [] } : { args: [] };
  process.stderr.write(`bench/${f}${q.args.length ? ` ${q.args.join(' ')}` : ''}\n`);
  const viaTsx = run(['--import', 'tsx', `bench/${f}`, ...q.args], q.env);
  results.push(...viaTsx);
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
  const bundled = run([out, ...q.args], q.env);
  results.push(...bundled);
  const a = viaTsx.find((o) => typeof o.linesPerSec === 'number');
  const b = bundled.find((o) => typeof o.linesPerSec === 'number');
  if (a && b) loaders.push({ bench: f.replace(/\.ts$/, ''), tsxLinesPerSec: a.linesPerSec, bundledLinesPerSec: b.linesPerSec, bundledOverTsx: Number((b.linesPerSec / a.linesPerSec).toFixed(2)) });
}
if (loaders.length) console.log(JSON.stringify({ bench: 'loader', what: 'the same bench bundled (plain node) vs under tsx, CPU lines/s', runs: loaders }));
// One row per goal measured: which bench line it came from, the figure, the reference and
// ratio that line carries (null where the goal has no peer, e.g. NAB's wall time).
const goals = results.filter((o) => Array.isArray(o.goals)).flatMap((o) => o.goals.map((g) => ({
  bench: [o.bench, o.loader, o.consumer, o.services !== undefined ? `${o.services} services` : undefined, o.stages !== undefined ? `${o.stages} stage(s)` : undefined].filter(Boolean).join(', '),
  goal: g.name, value: g.value, target: g.target, met: g.met, ofTarget: g.ofTarget,
  reference: o.reference ?? null, ratio: o.ratio ?? null,
})));
console.log(JSON.stringify({ bench: 'goals', quick, failedBenches: failed, wallSeconds: Math.round((performance.now() - startedAt) / 1000), met: goals.filter((g) => g.met).length, of: goals.length, goals, loadavg1m: Number(loadavg()[0].toFixed(2)) }));
process.exit(failed ? 1 : 0);
