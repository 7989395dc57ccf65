// `npm run bench`: runs every bench/*.ts (or those named on the command line) one after
// another — never in parallel, so they do not disturb each other's timings — and passes
// through the JSON lines each prints. The benches of issue #16's hot paths (BUNDLED) run a
// second time bundled by esbuild and run by plain node, without the tsx loader (whose
// per-function `__name` wrappers cost ~10 % of ingest's profile), as `node dist/…` would.
import { mkdirSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BUNDLED = new Set(['ingest.ts', 'replay.ts']);
const wanted = process.argv.slice(2);
const files = readdirSync('bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench/${f}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) failed++;
  if (!BUNDLED.has(f)) continue;
  // esbuild comes with tsx; the bundle goes under var/ (ignored) so node_modules resolve.
  const { build } = await import('esbuild');
  mkdirSync(join('var', 'bench'), { recursive: true });
  // Split into chunks so the product's dynamic imports stay lazy: one file would load the
  // Elasticsearch and Kafka clients up front in a file replay (0.9 s of its profile).
  const outdir = join('var', 'bench', f.replace(/\.ts$/, ''));
  await build({ entryPoints: [`bench/${f}`], bundle: true, splitting: true, platform: 'node', format: 'esm', packages: 'external', outdir, logLevel: 'warning' });
  const out = join(outdir, f.replace(/\.ts$/, '.js'));
  process.stderr.write(`${out} (bundled, no tsx)\n`);
  const b = spawnSync(process.execPath, [out], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
