import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RigError, type RigPaths } from './config.ts';

/** What a pid file records: enough to tell our server from a recycled pid. */
export interface PidRecord {
  pid: number;
  /** A string that must appear in /proc/<pid>/cmdline, e.g. the config file path. */
  marker: string;
  /**
   * The start script, which is the command line until it execs the server (Elasticsearch's
   * `bin/elasticsearch` execs Java only after its own checks); it counts as ours meanwhile,
   * or a start-up health wait would take the not-yet-exec'd script for a dead server.
   */
  launcher?: string;
  startedAt: string;
  /** Endpoint the server was started with, so `status` reports it without options. */
  endpoint: string;
}

export interface DetachedSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  marker: string;
  launcher?: string;
  endpoint: string;
  uid?: number;
  gid?: number;
}

function pidFile(paths: RigPaths, name: string): string {
  return join(paths.run, `${name}.pid`);
}

/**
 * Starts a server in its own session and process group, output appended to
 * logs/<name>.log, and returns without waiting: the server outlives the rig CLI.
 * No pipe to us stays open, so a CI step that waits for EOF on its output never hangs.
 */
export function startDetached(paths: RigPaths, spec: DetachedSpec): PidRecord {
  mkdirSync(paths.run, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const logPath = join(paths.logs, `${spec.name}.log`);
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    if (child.pid === undefined) throw new RigError(`could not start ${spec.name}: ${spec.command}`);
    // libuv still reaps the child if it exits while we live, so unref leaves no zombie.
    child.unref();
    child.on('error', () => { /* reported through the health wait and the log */ });
    const record: PidRecord = {
      pid: child.pid,
      marker: spec.marker,
      ...(spec.launcher ? { launcher: spec.launcher } : {}),
      startedAt: new Date().toISOString(),
      endpoint: spec.endpoint,
    };
    writeFileSync(pidFile(paths, spec.name), `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    closeSync(fd);
  }
}

/** True if the pid runs our command; a zombie or a recycled pid counts as not running. */
function isOurs(record: PidRecord): boolean {
  try {
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may contain spaces).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.includes(record.marker) || (record.launcher !== undefined && cmdline.split('\0').some((arg) => arg === record.launcher));
  } catch {
    return false;
  }
}

/** The live record for `name`, or null (a stale pid file is removed). */
export function runningRecord(paths: RigPaths, name: string): PidRecord | null {
  const file = pidFile(paths, name);
  if (!existsSync(file)) return null;
  let record: PidRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    rmSync(file, { force: true });
    return null;
  }
  if (isOurs(record)) return record;
  rmSync(file, { force: true });
  return null;
}

/** Pids in the process group, so a launcher's children (Elasticsearch's server JVM) go too. */
function groupMembers(pgid: number): number[] {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  const pids: number[] = [];
  for (const line of `${r.stdout ?? ''}`.split('\n')) {
    const [pid, group, stat] = line.trim().split(/\s+/);
    if (Number(group) === pgid && !stat?.startsWith('Z')) pids.push(Number(pid));
  }
  return pids;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}

/**
 * SIGTERM to the whole process group, wait up to `graceMs`, then SIGKILL. Returns how it
 * ended. Idempotent: no pid file, nothing to do.
 */
export async function stopDetached(paths: RigPaths, name: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  const record = runningRecord(paths, name);
  if (!record) return 'not-running';
  // SIGTERM the leader only: Elasticsearch's launcher then shuts its server JVM down in
  // order (signalled directly, the server exits 143 and the launcher reports a crash).
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  let outcome: 'stopped' | 'killed' = 'stopped';
  while (groupMembers(record.pid).length > 0) {
    if (Date.now() > deadline) {
      signalGroup(record.pid, 'SIGKILL');
      outcome = 'killed';
      await sleep(500);
      break;
    }
    await sleep(200);
  }
  rmSync(pidFile(paths, name), { force: true });
  return outcome;
}

/** Fails early with a clear message when something else holds a port we need. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      reject(new RigError(`${what} port 127.0.0.1:${port} is in use by another process (${err.code ?? err.message}); `
        + 'stop it or pick another port with the RIG_* environment variables', { cause: err }));
    });
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Polls `check` until it returns true, the process dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { deadline: number; alive: () => boolean; logHint: string },
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < opts.deadline) {
    if (!opts.alive()) throw new RigError(`${what} exited during start-up; see ${opts.logHint}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(500);
  }
  throw new RigError(`${what} not healthy before the timeout; see ${opts.logHint}`, { cause: lastError });
}
