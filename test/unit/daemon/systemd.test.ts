import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../../core/paths.ts';

// deploy/systemd/foresight.service (issue #15 item 2): reload by SIGHUP, restart on failure
// but not after a bad config (exit 2), drain on SIGTERM, hardened.
const UNIT = packagePath('deploy', 'systemd', 'foresight.service');

function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

test('the systemd unit reloads with SIGHUP, restarts on failure except after exit 2, runs bin/foresight hardened', () => {
  const d = directives(readFileSync(UNIT, 'utf8'));
  const one = (k: string): string | undefined => d.get(k)?.at(-1);
  assert.match(one('ExecStart') ?? '', /^\/usr\/bin\/node \/opt\/foresight\/bin\/foresight run --config \/etc\/foresight\/foresight\.yaml$/);
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartPreventExitStatus'), '2');
  for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictNamespaces', 'RestrictSUIDSGID', 'LockPersonality']) {
    assert.equal(one(k), 'yes', k);
  }
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('CapabilityBoundingSet'), '');
  assert.equal(one('StateDirectory'), 'foresight');
  assert.equal(one('SystemCallFilter'), '@system-service');
});

// `systemd-analyze verify` where the machine has it (it also checks that ExecStart's node exists).
const analyze = spawnSync('systemd-analyze', ['--version']).status === 0 && existsSync('/usr/bin/node');
test('systemd-analyze verify accepts the unit', { skip: !analyze && 'no systemd-analyze or no /usr/bin/node here' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-systemd-'));
  try {
    copyFileSync(UNIT, join(dir, 'foresight.service'));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'foresight.service')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
