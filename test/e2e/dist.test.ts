// The built artefact (issue #15 item 3): bin/foresight runs the JavaScript in dist/ (built
// by `npm install`'s prepare and by scripts/test.mjs before this layer), with no TypeScript
// loader, and loads the heavy clients only in the commands that use them. A module-resolve
// hook records every module the process loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { CLI } from './helpers.ts';
import { PACKAGE_ROOT } from '../../core/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'foresight-dist-'));
const HOOKS = join(dir, 'hooks.mjs');
const REGISTER = join(dir, 'register.mjs');
writeFileSync(HOOKS, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.DIST_TEST_TRACE, r.url + '\\n');
  return r;
}
`);
writeFileSync(REGISTER, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(HOOKS).href)});\n`);

const HEAVY = ['kafkajs', '@elastic/elasticsearch', '@tensorflow/tfjs-node', '@tensorflow/tfjs', 'mathjs', '@kubernetes/client-node'];

/** Runs bin/foresight with the resolve hook; returns its output and the packages and project files it loaded. */
function traced(args: string[], name: string): { code: number | null; stdout: string; stderr: string; packages: Set<string>; own: string[] } {
  const trace = join(dir, `${name}.trace`);
  const r = spawnSync(process.execPath, ['--import', REGISTER, CLI, ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, DIST_TEST_TRACE: trace }, timeout: 120_000, maxBuffer: 256 << 20,
  });
  const urls = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n') : [];
  const packages = new Set<string>();
  const own: string[] = [];
  const root = pathToFileURL(PACKAGE_ROOT).href + '/';
  for (const u of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) packages.add(m[1]!);
    else if (u.startsWith(root)) own.push(u.slice(root.length));
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, packages, own };
}

test('--version from dist/ prints the package version; --help loads commander only, no TypeScript loader, no heavy client', { timeout: 60_000 }, () => {
  assert.ok(existsSync(join(PACKAGE_ROOT, 'dist', 'daemon', 'cli.js')), 'dist/ is built (npm run build)');
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = traced(['--version'], 'version');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), pkg.version);

  const h = traced(['--help'], 'help');
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /Usage: foresight/);
  assert.deepEqual([...h.packages], ['commander']);
  assert.ok(h.own.length > 1 && h.own.every((f) => f === 'bin/foresight' || (f.startsWith('dist/') && f.endsWith('.js'))), h.own.join('\n'));
});

test('a short file replay runs from dist/ without tsx, Kafka, Elasticsearch or Kubernetes clients; a config naming the kubernetes actuator loads the Kubernetes client', { timeout: 180_000 }, () => {
  const sim = traced(['simulate', '--scenario', 'memory-leak', '--minutes', '30', '--seed', '7'], 'simulate');
  assert.equal(sim.code, 0, sim.stderr);
  for (const p of HEAVY) assert.ok(!sim.packages.has(p), `simulate loaded ${p}`);
  const logs = join(dir, 'leak.ndjson');
  writeFileSync(logs, sim.stdout);

  const r = traced(['replay', logs, '--report', join(dir, 'report.json')], 'replay');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^replayed \d+ lines: /m);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { lines: number };
  assert.equal(report.lines, sim.stdout.trim().split('\n').length);
  for (const p of ['tsx', 'kafkajs', '@elastic/elasticsearch', '@kubernetes/client-node']) assert.ok(!r.packages.has(p), `replay of a file loaded ${p}`);
  assert.ok(r.own.every((f) => !f.endsWith('.ts')), 'no TypeScript source loaded');
  assert.ok(r.packages.has('mathjs'), 'forecasting loads mathjs (erf)');

  // Only a config that names the kubernetes actuator loads its client (a replay is dry run:
  // the actuator is built, never called, so no API server is needed).
  const config = join(dir, 'kube.yaml');
  writeFileSync(config, 'remediator:\n  actuators: [log, kubernetes]\n  kubernetes: { namespace: shop }\n');
  const k = traced(['replay', logs, '--config', config], 'replay-kube');
  assert.equal(k.code, 0, k.stderr);
  assert.ok(k.packages.has('@kubernetes/client-node'), [...k.packages].join(' '));
  for (const p of ['kafkajs', '@elastic/elasticsearch']) assert.ok(!k.packages.has(p), `replay with the kubernetes actuator loaded ${p}`);
});
