/**
 * A real Kubernetes API server for the actuator tests: Debian's etcd plus a kube-apiserver
 * built once from the Go module proxy (scripts/rig/build-kube-apiserver.sh) and cached
 * outside the checkout, in ~/.cache/foresight/kube/<version>, so every clone on a machine
 * (CI's fresh ones included) reuses it. No controllers and no kubelets: tests write
 * `/status` themselves where they play a controller.
 *
 *   kubeUp()    install etcd/kubectl (apt-get, idempotent), build the binary if missing,
 *               start etcd and kube-apiserver, install the Gateway API CRDs, write kubeconfigs
 *   kubeDown()  stop both
 *
 * Only the tests that talk to Kubernetes call kubeUp(), so the others never pay for the
 * build (measured: ~12 min cold on 2 busy cores, 2.8 GB peak RAM) or the ~4 s start.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { RigError, rigPaths, type RigPaths } from './config.ts';
import { assertPortFree, runningRecord, startDetached, stopDetached, waitUntil } from './proc.ts';
import { VERSIONS } from './versions.ts';

export const ETCD = 'etcd';
export const KUBE_APISERVER = 'kube-apiserver';

export interface KubeOptions {
  /** kube-apiserver secure port. Default: env RIG_KUBE_PORT, else 19443. */
  kubePort?: number;
  /** etcd client port. Default: env RIG_ETCD_PORT, else kubePort + 1 (peer: + 2). */
  etcdPort?: number;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface KubeRig {
  server: string;
  /** system:masters. */
  adminKubeconfig: string;
  adminToken: string;
  /** A user in no group: whatever a test binds to `foresight-limited` is all it may do. */
  limitedKubeconfig: string;
  limitedUser: string;
  version: string;
  /** This call started etcd or the API server (they were not running). */
  started: boolean;
}

/** Users in the static token file: name → groups. */
const USERS: Record<string, string[]> = { 'rig-admin': ['system:masters'], 'foresight-limited': [] };

function port(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65535) throw new RigError(`${name} must be an integer port in 1024..65535, got ${String(value)}`);
  return n;
}

/** The binary cache, outside any checkout; FORESIGHT_KUBE_CACHE overrides it. */
export function kubeBinary(): string {
  const root = process.env.FORESIGHT_KUBE_CACHE ?? join(cacheRoot(), 'kube');
  return join(root, VERSIONS.kubernetes, 'kube-apiserver');
}

function cacheRoot(): string {
  return join(homedir(), '.cache', 'foresight');
}

function sh(cmd: string, args: string[], what: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: opts.env ?? process.env, ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.input !== undefined ? { input: opts.input } : {}) });
  if (r.error) throw new RigError(`${what}: could not run ${cmd}`, { cause: r.error });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new RigError(`${what} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
  return r.stdout;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Debian packages, installed only when their command is missing (apt-get is idempotent anyway). */
export function ensureDebianPackages(pkgs: Record<string, string>, log: (line: string) => void): void {
  const missing = Object.entries(pkgs).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): ReturnType<typeof spawnSync> => spawnSync('apt-get', ['install', '-y', '-q', ...missing], { encoding: 'utf8', env });
  if (install().status !== 0) {
    sh('apt-get', ['update', '-q'], 'apt-get update', { env });
    sh('apt-get', ['install', '-y', '-q', ...missing], `apt-get install ${missing.join(' ')}`, { env });
  }
}

/**
 * An environment whose PATH has a `go`: the machine's, else the `golang.org/toolchain` module
 * (a whole Go distribution, published on the Go module proxy) unpacked once into the cache.
 */
export function goEnv(log: (line: string) => void): NodeJS.ProcessEnv {
  const env = { ...process.env, GOTOOLCHAIN: 'local' };
  if (has('go')) return env;
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  if (!arch) throw new RigError(`no Go toolchain for ${process.arch}`);
  const dir = join(cacheRoot(), 'go', VERSIONS.go);
  const module = `v0.0.1-go${VERSIONS.go}.linux-${arch}`;
  const root = join(dir, `golang.org/toolchain@${module}`);
  if (!existsSync(join(root, 'bin', 'go'))) {
    ensureDebianPackages({ curl: 'curl', unzip: 'unzip' }, log);
    const proxy = (process.env.GOPROXY ?? '').split(/[,|]/).find((p) => p.startsWith('http')) ?? 'https://proxy.golang.org';
    log(`no go on PATH: fetching Go ${VERSIONS.go} (golang.org/toolchain@${module}) from ${proxy}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const zip = join(dir, 'toolchain.zip');
    sh('curl', ['-fsSL', '--retry', '3', '-o', zip, `${proxy}/golang.org/toolchain/@v/${module}.zip`], 'downloading the Go toolchain');
    sh('unzip', ['-q', zip, '-d', dir], 'unpacking the Go toolchain');
    rmSync(zip);
    // Module zips carry no file modes.
    sh('sh', ['-c', 'chmod +x bin/* pkg/tool/*/*'], 'chmod the Go toolchain', { cwd: root });
  }
  return { ...env, PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, GOROOT: root };
}

/** Builds kube-apiserver into the cache unless it is there. */
export function ensureKubeApiserver(log: (line: string) => void, paths: RigPaths = rigPaths()): string {
  const bin = kubeBinary();
  if (existsSync(bin)) return bin;
  const env = goEnv(log);
  log(`building kube-apiserver ${VERSIONS.kubernetes} from the Go module proxy into ${bin} (once per machine; ~12 min on 2 cores)`);
  const t0 = Date.now();
  sh('bash', [join(paths.root, 'scripts', 'rig', 'build-kube-apiserver.sh'), VERSIONS.kubernetes, bin], 'building kube-apiserver', { env });
  log(`kube-apiserver built in ${Math.round((Date.now() - t0) / 1000)} s`);
  return bin;
}

/** Gateway API CRDs, from the Go module (the release YAML ships inside it). */
function gatewayCrdDir(log: (line: string) => void): string {
  const out = sh('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${VERSIONS.gatewayApi}`], 'go mod download gateway-api',
    { env: { ...goEnv(log), GOFLAGS: '-mod=mod' }, cwd: homedir() });
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) throw new RigError(`go mod download gave no directory for sigs.k8s.io/gateway-api@${VERSIONS.gatewayApi}`);
  return join(dir, 'config', 'crd', 'standard');
}

interface KubeDirs {
  base: string;
  etcdData: string;
  certs: string;
  tokens: string;
  saKey: string;
  secrets: string;
}

function kubeDirs(paths: RigPaths): KubeDirs {
  const base = join(paths.rig, 'kube');
  return { base, etcdData: join(base, 'etcd'), certs: join(base, 'certs'), tokens: join(base, 'tokens.csv'), saKey: join(base, 'sa.key'), secrets: join(base, 'tokens.json') };
}

function tokensOf(dirs: KubeDirs): Record<string, string> {
  if (existsSync(dirs.secrets)) return JSON.parse(readFileSync(dirs.secrets, 'utf8')) as Record<string, string>;
  const tokens = Object.fromEntries(Object.keys(USERS).map((u) => [u, randomBytes(24).toString('hex')]));
  writeFileSync(dirs.secrets, JSON.stringify(tokens), { mode: 0o600 });
  return tokens;
}

function kubeconfig(server: string, user: string, token: string): string {
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: rig',
    // Loopback, self-signed serving certificate regenerated per data dir: nothing to pin.
    'clusters:', '- name: rig', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: rig', '  context:', '    cluster: rig', `    user: ${user}`, '    namespace: default', '',
  ].join('\n');
}

async function readyz(server: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${server}/readyz`, { agent: new Agent({ rejectUnauthorized: false }), headers: { authorization: `Bearer ${token}` }, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/**
 * Whether a process we started still runs. Not runningRecord(): right after the spawn the
 * child may not have exec'd yet, so its command line lacks the marker and the record would
 * be taken for a stale one (and deleted).
 */
function running(pid: number): () => boolean {
  return () => {
    try { process.kill(pid, 0); } catch { return false; }
    try { return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
  };
}

async function etcdHealthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  return res.ok && ((await res.json()) as { health?: string }).health === 'true';
}

function resolve(opts: KubeOptions): { kubePort: number; etcdPort: number; log: (l: string) => void; timeoutMs: number; paths: RigPaths } {
  const kubePort = port('kubePort', opts.kubePort ?? process.env.RIG_KUBE_PORT, 19443);
  const etcdPort = port('etcdPort', opts.etcdPort ?? process.env.RIG_ETCD_PORT, kubePort + 1);
  if (etcdPort === kubePort || etcdPort + 1 === kubePort) throw new RigError(`kube ports collide: apiserver ${kubePort}, etcd ${etcdPort}/${etcdPort + 1}`);
  return { kubePort, etcdPort, log: opts.log ?? ((): void => {}), timeoutMs: opts.timeoutMs ?? 120_000, paths: rigPaths() };
}

/** Starts etcd and kube-apiserver unless they run; idempotent. */
export async function kubeUp(options: KubeOptions = {}): Promise<KubeRig> {
  const o = resolve(options);
  ensureDebianPackages({ etcd: 'etcd-server', kubectl: 'kubectl' }, o.log);
  const bin = ensureKubeApiserver(o.log, o.paths);
  const dirs = kubeDirs(o.paths);
  mkdirSync(dirs.base, { recursive: true });
  const tokens = tokensOf(dirs);
  const server = `https://127.0.0.1:${o.kubePort}`;
  const deadline = Date.now() + o.timeoutMs;

  let etcd = runningRecord(o.paths, ETCD);
  let api = runningRecord(o.paths, KUBE_APISERVER);
  const started = !etcd || !api;
  if (!etcd) {
    if (api) { await stopDetached(o.paths, KUBE_APISERVER, 10_000); api = null; }
    await assertPortFree(o.etcdPort, 'etcd');
    await assertPortFree(o.etcdPort + 1, 'etcd peer');
    // Fresh data per start: the tests make their own namespaces, and without controllers
    // nothing would ever clean old ones up.
    rmSync(dirs.etcdData, { recursive: true, force: true });
    const client = `http://127.0.0.1:${o.etcdPort}`;
    const peer = `http://127.0.0.1:${o.etcdPort + 1}`;
    etcd = startDetached(o.paths, {
      name: ETCD, command: 'etcd', cwd: dirs.base, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      args: ['--name', 'rig', '--data-dir', dirs.etcdData, '--listen-client-urls', client, '--advertise-client-urls', client,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `rig=${peer}`, '--unsafe-no-fsync'],
      marker: dirs.etcdData, endpoint: client,
    });
    o.log(`started etcd (pid ${etcd.pid})`);
  }
  const etcdRec = etcd;
  await waitUntil('etcd', () => etcdHealthy(etcdRec.endpoint), { deadline, alive: running(etcdRec.pid), logHint: join(o.paths.logs, `${ETCD}.log`) });

  if (!api) {
    await assertPortFree(o.kubePort, 'kube-apiserver');
    mkdirSync(dirs.certs, { recursive: true });
    if (!existsSync(dirs.saKey)) sh('openssl', ['genrsa', '-out', dirs.saKey, '2048'], 'openssl genrsa');
    writeFileSync(dirs.tokens, Object.entries(USERS).map(([u, groups]) => `${tokens[u]},${u},${u},"${groups.join(',')}"`).join('\n') + '\n', { mode: 0o600 });
    api = startDetached(o.paths, {
      name: KUBE_APISERVER, command: bin, cwd: dirs.base, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      args: [
        `--etcd-servers=${etcdRec.endpoint}`, '--bind-address=127.0.0.1', `--secure-port=${o.kubePort}`, '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none', `--cert-dir=${dirs.certs}`, `--token-auth-file=${dirs.tokens}`, '--anonymous-auth=false',
        '--authorization-mode=RBAC', '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${dirs.saKey}`,
        `--service-account-signing-key-file=${dirs.saKey}`, '--service-cluster-ip-range=10.96.0.0/24', '--disable-admission-plugins=ServiceAccount',
      ],
      marker: dirs.certs, endpoint: server,
    });
    o.log(`started kube-apiserver ${VERSIONS.kubernetes} (pid ${api.pid})`);
  }
  const adminToken = tokens['rig-admin']!;
  await waitUntil('kube-apiserver', () => readyz(server, adminToken), { deadline, alive: running(api.pid), logHint: join(o.paths.logs, `${KUBE_APISERVER}.log`) });

  const adminKubeconfig = join(dirs.base, 'admin.kubeconfig');
  const limitedKubeconfig = join(dirs.base, 'limited.kubeconfig');
  writeFileSync(adminKubeconfig, kubeconfig(server, 'rig-admin', adminToken), { mode: 0o600 });
  writeFileSync(limitedKubeconfig, kubeconfig(server, 'foresight-limited', tokens['foresight-limited']!), { mode: 0o600 });
  const crds = sh('kubectl', ['--kubeconfig', adminKubeconfig, 'get', 'crd', '-o', 'name'], 'kubectl get crd');
  if (!crds.includes('httproutes.gateway.networking.k8s.io')) {
    const dir = gatewayCrdDir(o.log);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
    sh('kubectl', ['--kubeconfig', adminKubeconfig, 'apply', '--server-side', ...files.flatMap((f) => ['-f', f])], 'installing the Gateway API CRDs');
    sh('kubectl', ['--kubeconfig', adminKubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/httproutes.gateway.networking.k8s.io'], 'waiting for the HTTPRoute CRD');
    o.log(`installed Gateway API ${VERSIONS.gatewayApi} CRDs`);
  }
  return { server, adminKubeconfig, adminToken, limitedKubeconfig, limitedUser: 'foresight-limited', version: VERSIONS.kubernetes, started };
}

export async function kubeDown(): Promise<{ kubeApiserver: string; etcd: string }> {
  const paths = rigPaths();
  const kubeApiserver = await stopDetached(paths, KUBE_APISERVER, 15_000);
  const etcd = await stopDetached(paths, ETCD, 15_000);
  return { kubeApiserver, etcd };
}
