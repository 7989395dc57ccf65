// `npm run bench`: runs every bench/*.ts (or those named on the command line) one after
// another — never in parallel, so they do not disturb each other's timings — and passes
// through the one JSON line each prints.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const wanted = process.argv.slice(2);
const files = readdirSync('bench').filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench/${f}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
