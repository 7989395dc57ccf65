#!/usr/bin/env node
// Provisions the native TensorFlow backend for @tensorflow/tfjs-node. Runs as the root
// package's `postinstall`, so it uses Node built-ins only and never fails the install.
//
// Why this exists: tfjs-node's own install script downloads libtensorflow 2.9.1 (and a
// prebuilt addon) from Google storage, which this project's machines cannot reach. The
// tensorflow-cpu wheel on PyPI ships the same C API (every TF_/TFE_ symbol the binding
// uses) as libtensorflow_cc.so.2 + libtensorflow_framework.so.2 with the C headers, so we
// take the libraries from there and build the addon from source with node-gyp.
//
// package.json denies tfjs-node's own install script (`allowScripts`, npm >= 11.19);
// otherwise npm would run it, see the download fail and delete the optional dependency.
//
// Usage: node scripts/provision-tfjs.mjs [--force]
//   --force                             rebuild even if the native backend already loads
//   FORESIGHT_SKIP_TFJS_PROVISION=1     do nothing (pure-JS @tensorflow/tfjs is used)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync,
  symlinkSync, linkSync, copyFileSync, writeFileSync, cpSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The wheel is pinned by file name and digest: the libraries inside it are what the
// binding links against, so an unnoticed change of wheel would change the native code.
const TF = Object.freeze({
  version: '2.21.0',
  wheel: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
  sha256: '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
  // Explicit platform tags make pip pick this exact wheel whatever Python runs pip.
  pipTags: ['--platform', 'manylinux_2_27_x86_64', '--python-version', '3.11',
    '--implementation', 'cp', '--abi', 'cp311'],
});

// Headers the binding's two .cc files include (found with `g++ -M`), as prefixes
// below the wheel's tensorflow/include/. The whole include tree is 287 MB; this is ~1 MB.
const HEADER_PREFIXES = [
  'tensorflow/c/',
  'tensorflow/core/platform/ctstring',
  'tsl/platform/ctstring',
  'xla/tsl/c/',
];

// tfjs-node's scripts/deps-constants.js hard-codes libtensorflow 2.9.1: its install script
// treats deps/lib/libtensorflow.so.2.9.1 as "already downloaded". The binding links with
// -ltensorflow -ltensorflow_framework, and the linker records the SONAMEs
// (libtensorflow_cc.so.2, libtensorflow_framework.so.2), so those must exist too.
const LIB_LINKS = {
  'libtensorflow_cc.so.2': ['libtensorflow.so.2', 'libtensorflow.so', 'libtensorflow.so.2.9.1'],
  'libtensorflow_framework.so.2': ['libtensorflow_framework.so', 'libtensorflow_framework.so.2.9.1'],
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'tf');
const FORCE = process.argv.includes('--force');
const started = process.hrtime.bigint();

function log(msg) {
  console.log(`[provision-tfjs] ${msg}`);
}

function elapsed() {
  return (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);
}

function warnFallback(reason) {
  const bar = '!'.repeat(78);
  console.warn([
    '', bar,
    '!! @tensorflow/tfjs-node native backend NOT provisioned.',
    `!! Reason: ${reason}`,
    '!! Foresight will fall back to the pure-JS @tensorflow/tfjs backend (much slower',
    '!! training). The install itself is fine. To retry: node scripts/provision-tfjs.mjs',
    bar, '',
  ].join('\n'));
}

/** Runs a command; throws with its output tail on failure. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exited ${r.status ?? r.signal}:\n${out}`);
  }
  return r;
}

/**
 * True when the native backend loads in a child process. A child, because a bad native
 * library can abort the process rather than throw.
 */
function nativeBackendLoads() {
  const probe = "const tf=require('@tensorflow/tfjs-node');"
    + "if(tf.getBackend()!=='tensorflow')process.exit(3);"
    + "tf.tensor1d([1,2]).add(1).dataSync();";
  const r = spawnSync(process.execPath, ['-e', probe], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return r.status === 0;
}

function findTfjsNodeDir() {
  const req = createRequire(join(ROOT, 'package.json'));
  try {
    return dirname(req.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return null;
  }
}

/**
 * npm older than 11.19 ignores `allowScripts`, runs tfjs-node's download, sees it fail and
 * removes the optional dependency. Put it back with scripts off; we build it ourselves.
 */
function reinstallWithoutScripts() {
  const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const spec = rootPkg.optionalDependencies?.['@tensorflow/tfjs-node'];
  if (!spec) throw new Error('@tensorflow/tfjs-node is not in optionalDependencies');
  const omit = `${process.env.npm_config_omit ?? ''}`;
  if (omit.includes('optional')) throw new Error('optional dependencies omitted (--omit=optional)');
  log('tfjs-node missing (older npm removed it after its download failed); reinstalling with --ignore-scripts');
  const npmCli = process.env.npm_execpath;
  const [cmd, pre] = npmCli && existsSync(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  run(cmd, [...pre, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund',
    `@tensorflow/tfjs-node@${spec}`], { cwd: ROOT, stdio: 'inherit', encoding: undefined });
}

async function sha256(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk);
  return h.digest('hex');
}

function findPython() {
  for (const py of ['python3', 'python']) {
    const r = spawnSync(py, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  throw new Error('no python3 with pip on PATH (needed to fetch the tensorflow-cpu wheel)');
}

async function ensureWheel(python) {
  const wheel = join(CACHE, TF.wheel);
  if (existsSync(wheel) && await sha256(wheel) === TF.sha256) return wheel;
  rmSync(wheel, { force: true });
  mkdirSync(CACHE, { recursive: true });
  log(`downloading ${TF.wheel} from PyPI (~274 MB)`);
  run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir',
    '--disable-pip-version-check', ...TF.pipTags, `tensorflow-cpu==${TF.version}`, '-d', CACHE]);
  if (!existsSync(wheel)) throw new Error(`pip did not produce ${TF.wheel}`);
  const digest = await sha256(wheel);
  if (digest !== TF.sha256) {
    rmSync(wheel, { force: true });
    throw new Error(`sha256 mismatch for ${TF.wheel}: got ${digest}, pinned ${TF.sha256}`);
  }
  return wheel;
}

/**
 * Extracts the two libraries and the needed headers once per wheel into the cache, so a
 * fresh node_modules (rm -rf, npm ci) is provisioned by hard links in well under a second.
 * Python's zipfile does the reading: pip already needs Python, and Node has no unzip.
 */
async function ensureExtracted() {
  const dir = join(CACHE, `extract-${TF.version}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const python = findPython();
  const wheel = await ensureWheel(python);
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const script = `
import os, shutil, sys, zipfile
wheel, out, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
inc = 'tensorflow/include/'
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        n = info.filename
        if n.endswith('/'):
            continue
        if n in libs:
            dest = os.path.join(out, 'lib', os.path.basename(n))
        elif n.startswith(inc) and any(n[len(inc):].startswith(p) for p in prefixes):
            dest = os.path.join(out, 'include', n[len(inc):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
`;
  log('extracting libtensorflow and C headers from the wheel');
  run(python, ['-c', script, wheel, tmp, ...HEADER_PREFIXES]);
  for (const lib of Object.keys(LIB_LINKS)) {
    if (!existsSync(join(tmp, 'lib', lib))) throw new Error(`${lib} not found in ${TF.wheel}`);
  }
  writeFileSync(join(tmp, '.complete'), `${TF.wheel} ${TF.sha256}\n`);
  renameSync(tmp, dir);
  return dir;
}

/** Hard link when possible (same filesystem, no 850 MB copy), else copy. */
function linkOrCopy(src, dest) {
  try {
    linkSync(src, dest);
  } catch {
    copyFileSync(src, dest);
  }
}

function placeDeps(extracted, pkgDir) {
  const deps = join(pkgDir, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  for (const [lib, aliases] of Object.entries(LIB_LINKS)) {
    linkOrCopy(join(extracted, 'lib', lib), join(deps, 'lib', lib));
    for (const alias of aliases) symlinkSync(lib, join(deps, 'lib', alias));
  }
  cpSync(join(extracted, 'include'), join(deps, 'include'), { recursive: true });
}

/** node-gyp must not download Node headers either: point it at the installed ones. */
function nodeGypEnv() {
  const env = { ...process.env };
  if (!env.npm_config_nodedir) {
    const prefix = resolve(dirname(process.execPath), '..');
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix;
  }
  if (!env.npm_config_node_gyp || !existsSync(env.npm_config_node_gyp)) {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
      'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(bundled)) env.npm_config_node_gyp = bundled;
  }
  return env;
}

/**
 * Builds the addon with tfjs-node's own node-pre-gyp, from source: `install` without
 * --build-from-source would first try to download a prebuilt addon from Google storage.
 */
function buildAddon(pkgDir) {
  const req = createRequire(join(pkgDir, 'package.json'));
  const preGyp = req.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp');
  log('building the tfjs-node addon with node-gyp');
  const logFile = join(CACHE, 'node-gyp.log');
  const r = spawnSync(process.execPath, [preGyp, 'install', '--build-from-source'], {
    cwd: pkgDir, env: nodeGypEnv(), encoding: 'utf8', maxBuffer: 64 << 20,
  });
  writeFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`node-pre-gyp exited ${r.status ?? r.signal} (full log: ${logFile}):\n${tail}`);
  }
}

/**
 * The built addon is cached too, keyed by everything it was compiled against, so that
 * re-provisioning a fresh node_modules skips the ~9 s compile. N-API keeps it valid across
 * Node versions of the same N-API level.
 */
function addonCacheDir(pkgDir) {
  const tfjsNode = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  return join(CACHE, `addon-tfjs-node-${tfjsNode}-tf-${TF.version}-napi-${process.versions.napi}`);
}

function saveAddon(pkgDir) {
  const dest = addonCacheDir(pkgDir);
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(pkgDir, 'lib'), dest, { recursive: true });
}

function restoreAddon(pkgDir) {
  const src = addonCacheDir(pkgDir);
  if (!existsSync(src)) return false;
  cpSync(src, join(pkgDir, 'lib'), { recursive: true });
  log('reused the cached addon build');
  return true;
}

async function main() {
  if (process.env.FORESIGHT_SKIP_TFJS_PROVISION === '1') {
    log('skipped (FORESIGHT_SKIP_TFJS_PROVISION=1)');
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`only linux-x64 is provisioned from the PyPI wheel (this is ${process.platform}-${process.arch})`);
  }
  let pkgDir = findTfjsNodeDir();
  if (pkgDir && !FORCE && nativeBackendLoads()) {
    log(`native backend already loads (${elapsed()} s)`);
    return;
  }
  if (!pkgDir) {
    reinstallWithoutScripts();
    pkgDir = findTfjsNodeDir();
    if (!pkgDir) throw new Error('@tensorflow/tfjs-node is still not resolvable after reinstall');
  }
  const extracted = await ensureExtracted();
  placeDeps(extracted, pkgDir);
  if (FORCE || !restoreAddon(pkgDir) || !nativeBackendLoads()) {
    buildAddon(pkgDir);
    if (!nativeBackendLoads()) throw new Error('addon built but the tensorflow backend does not load');
    saveAddon(pkgDir);
  }
  const built = readdirSync(join(pkgDir, 'lib')).join(', ');
  log(`native backend ready: TensorFlow ${TF.version} from ${TF.wheel}, addon ${built} (${elapsed()} s)`);
}

try {
  await main();
} catch (err) {
  warnFallback(err instanceof Error ? err.message : String(err));
}
process.exitCode = 0;
