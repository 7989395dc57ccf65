import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningRecord, startDetached, stopDetached } from '../../../scripts/rig/proc.ts';
import type { RigPaths } from '../../../scripts/rig/config.ts';

// Elasticsearch's bin/elasticsearch is a shell script that execs Java only after its
// checks; until then the server's marker (-Des.path.conf=…) is not in its command line.
// A restart's health wait took that window for a crash and left an orphan server behind.
function fakeRig(): { paths: RigPaths; launcher: string } {
  const root = mkdtempSync(join(tmpdir(), 'rig-proc-'));
  const paths: RigPaths = { root, cache: root, m2: join(root, 'm2'), rig: root, run: join(root, 'run'), logs: join(root, 'logs') };
  mkdirSync(join(root, 'bin'));
  const launcher = join(root, 'bin', 'elasticsearch');
  // Still the script, never exec'd into the server.
  writeFileSync(launcher, '#!/bin/sh\ntrap \'kill $!; exit 0\' TERM\nsleep 30 &\nwait\n');
  chmodSync(launcher, 0o755);
  return { paths, launcher };
}

test('a server whose start script has not exec\'d yet counts as running, and stops', async () => {
  const { paths, launcher } = fakeRig();
  const rec = startDetached(paths, { name: 'es', command: launcher, args: [], cwd: paths.root, env: { PATH: process.env.PATH }, marker: '-Des.path.conf=/nowhere', launcher, endpoint: 'http://127.0.0.1:1' });
  await sleep(100);
  assert.equal(runningRecord(paths, 'es')?.pid, rec.pid);
  assert.equal(await stopDetached(paths, 'es', 3000), 'stopped');
  assert.equal(runningRecord(paths, 'es'), null);
  assert.equal(existsSync(join(paths.run, 'es.pid')), false);
});

test('without the launcher, only the marker makes the process ours', async () => {
  const { paths, launcher } = fakeRig();
  const rec = startDetached(paths, { name: 'es', command: launcher, args: [], cwd: paths.root, env: { PATH: process.env.PATH }, marker: '-Des.path.conf=/nowhere', endpoint: 'http://127.0.0.1:1' });
  await sleep(100);
  assert.equal(runningRecord(paths, 'es'), null);
  process.kill(-rec.pid, 'SIGKILL');
});
