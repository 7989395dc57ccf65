// Test entry used by `npm test`: unit tests, end-to-end tests of the CLI and daemon, then
// integration tests against the real Kafka and Elasticsearch that the rig starts here.
// Usage: node scripts/test.mjs [unit|e2e|integration ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './ensure-chromium.mjs';
import { ensureDrain3 } from './ensure-drain3.mjs';

const layers = process.argv.length > 2 ? process.argv.slice(2) : ['unit', 'e2e', 'integration'];

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

function rig(...cmd) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/rig/cli.ts', ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`rig ${cmd.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// The end-to-end and integration layers run bin/foresight, which runs the build in dist/:
// rebuild it first (incremental) so they never test stale JavaScript.
function build() {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

let failed = false;
let built = false;
for (const layer of layers) {
  const files = testFiles(join('test', layer));
  if (files.length === 0) continue;
  let startedRig = false;
  if (layer !== 'unit' && !built) { build(); built = true; }
  if (layer === 'e2e') ensureChromium();
  // eval loghub's unit test measures Drain3 beside our miner; without PyPI it notes the skip.
  if (layer === 'unit') ensureDrain3();
  if (layer === 'integration') {
    // One start-up up front: a rig failure shows as such, not as the first test's timeout.
    const up = rig('up', 'kafka', 'elasticsearch');
    startedRig = up.started?.kafka || up.started?.elasticsearch;
    process.stdout.write(`rig up in ${up.seconds} s: Kafka ${up.kafkaBrokers} Elasticsearch ${up.elasticsearchUrl}\n`);
  }
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
  // Integration and end-to-end tests run real servers and processes; one file at a time keeps
  // a 2-core CI machine from timing out under load.
  if (layer !== 'unit') args.push('--test-concurrency=1');
  const r = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
  // Leave a rig that someone else started running; stop the one this run started.
  if (startedRig && !process.env.RIG_KEEP) rig('down');
}
process.exit(failed ? 1 : 0);
