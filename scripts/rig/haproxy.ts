/**
 * HAProxy for the actuator tests: Debian's package (installed on first use, idempotently),
 * one instance per test with its own config and admin socket, in the foreground (-db) so it
 * dies with its test. Only the tests that use it pay for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { ensureDebianPackages } from './kube.ts';

export interface Haproxy {
  socket: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function ensureHaproxy(log: (line: string) => void = () => {}): void {
  ensureDebianPackages({ haproxy: 'haproxy' }, log);
}

/** Starts HAProxy with `config` (its `stats socket` must be `<dir>/admin.sock level admin`). */
export async function startHaproxy(dir: string, config: string): Promise<Haproxy> {
  ensureHaproxy();
  const file = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'admin.sock');
  writeFileSync(file, config);
  const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}: ${stderr}`);
    await sleep(100);
  }
  if (!existsSync(socket)) { child.kill('SIGKILL'); throw new Error(`haproxy did not open ${socket}: ${stderr}`); }
  return { socket, process: child, stop: async () => { child.kill('SIGTERM'); await exited; } };
}
