import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';

/** Raised for every rig failure; `cause` keeps the underlying error. */
export class RigError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'RigError';
  }
}

export interface RigOptions {
  /** Kafka client port on 127.0.0.1. Default: env RIG_KAFKA_PORT, else 19092. */
  kafkaPort?: number;
  /** KRaft controller port. Default: env RIG_KAFKA_CONTROLLER_PORT, else kafkaPort + 1. */
  kafkaControllerPort?: number;
  /** Elasticsearch HTTP port. Default: env RIG_ES_PORT, else 19200. */
  esPort?: number;
  /** Wipe Kafka and Elasticsearch data before starting. */
  fresh?: boolean;
  /** How long `up` waits for both servers to be healthy. */
  timeoutMs?: number;
  /** Progress lines go here (the CLI passes stderr); silent by default. */
  log?: (line: string) => void;
}

export interface RigPaths {
  root: string;
  cache: string;
  m2: string;
  rig: string;
  run: string;
  logs: string;
}

export interface ResolvedOptions {
  kafkaPort: number;
  kafkaControllerPort: number;
  esPort: number;
  esTransportPort: number;
  fresh: boolean;
  timeoutMs: number;
  log: (line: string) => void;
  paths: RigPaths;
}

const KNOWN_OPTIONS = new Set(['kafkaPort', 'kafkaControllerPort', 'esPort', 'fresh', 'timeoutMs', 'log']);

function portFrom(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65535) {
    throw new RigError(`${name} must be an integer port in 1024..65535, got ${String(value)}`);
  }
  return n;
}

export function rigPaths(): RigPaths {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cache = join(root, '.cache');
  const rig = join(cache, 'rig');
  return { root, cache, m2: join(cache, 'm2'), rig, run: join(rig, 'run'), logs: join(rig, 'logs') };
}

/** Options checked once, defaults in one place, result frozen. */
export function resolveOptions(opts: RigOptions = {}): Readonly<ResolvedOptions> {
  for (const key of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(key)) throw new RigError(`unknown rig option: ${key}`);
  }
  const kafkaPort = portFrom('kafkaPort', opts.kafkaPort ?? process.env.RIG_KAFKA_PORT, 19092);
  const kafkaControllerPort = portFrom('kafkaControllerPort',
    opts.kafkaControllerPort ?? process.env.RIG_KAFKA_CONTROLLER_PORT, kafkaPort + 1);
  const esPort = portFrom('esPort', opts.esPort ?? process.env.RIG_ES_PORT, 19200);
  // Transport is never used by clients, only bound: keep it next to HTTP, clear of Kafka.
  const esTransportPort = esPort + 100;
  const ports = [kafkaPort, kafkaControllerPort, esPort, esTransportPort];
  if (new Set(ports).size !== ports.length) {
    throw new RigError(`rig ports collide: kafka ${kafkaPort}, controller ${kafkaControllerPort}, `
      + `es http ${esPort}, es transport ${esTransportPort}`);
  }
  return Object.freeze({
    kafkaPort,
    kafkaControllerPort,
    esPort,
    esTransportPort,
    fresh: opts.fresh ?? false,
    timeoutMs: opts.timeoutMs ?? 180_000,
    log: opts.log ?? ((): void => {}),
    paths: rigPaths(),
  });
}

/**
 * JAVA_HOME for a server that needs at least `minMajor`. Prefers JAVA_HOME, then the
 * `java` on PATH, then any JDK under /usr/lib/jvm that is new enough.
 */
export function findJavaHome(minMajor: number): string {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  try {
    const java = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    if (java) candidates.push(dirname(dirname(realpathSync(java))));
  } catch {
    // no java on PATH; the /usr/lib/jvm scan below may still find one
  }
  candidates.push('/usr/lib/jvm/java-17-openjdk-amd64', '/usr/lib/jvm/temurin-25-jdk-amd64');
  for (const home of candidates) {
    const bin = join(home, 'bin', 'java');
    if (!existsSync(bin)) continue;
    if (javaMajor(bin) >= minMajor) return home;
  }
  throw new RigError(`no Java ${minMajor}+ found (set JAVA_HOME)`);
}

function javaMajor(javaBin: string): number {
  // `-version` and the settings dump go to stderr, whatever the exit code.
  const r = spawnSync(javaBin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const m = /java\.specification\.version = (\d+)/.exec(`${r.stderr ?? ''}`);
  return m?.[1] ? Number(m[1]) : 0;
}
