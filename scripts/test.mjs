// Test entry used by `npm test`: runs unit tests, then brings the rig (real Kafka and
// Elasticsearch) up for the integration tests. Usage: node scripts/test.mjs [unit|integration]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const layer = process.argv[2];
const layers = layer ? [layer] : ['unit', 'e2e', 'integration'];

function testFiles(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let failed = false;
for (const l of layers) {
  const files = testFiles(join('test', l));
  if (files.length === 0) continue;
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
  // Integration tests share one broker and one node; running them one file at a time keeps
  // a 2-core CI machine from timing out under load.
  if (l === 'integration') args.push('--test-concurrency=1');
  const r = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
