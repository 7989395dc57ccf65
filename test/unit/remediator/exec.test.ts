import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecActuator, execConfigSchema } from '../../../remediator/actuators/exec.ts';
import type { ActionRecord } from '../../../remediator/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'foresight-exec-'));
const PWNED = join(dir, 'pwned');
// A service name as it may arrive in a log line: shell metacharacters and a command substitution.
const HOSTILE = `checkout; rm -rf ${dir} $(touch ${PWNED}) \`touch ${PWNED}\` | tee ${PWNED}`;

function action(service: string): ActionRecord {
  return {
    actionId: 'act-x', '@timestamp': '2026-01-01T12:00:00.000Z', service, kind: 'scale_out', target: service, params: { fromReplicas: 2, toReplicas: 5 },
    reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' }, mode: 'live', status: 'executed', actuator: '',
    daemon: { instance: 't', version: '0', configHash: 'x' },
  };
}

// The program records its argv and environment; a real process, no shell anywhere.
const RECORD = 'require("fs").writeFileSync(process.env.OUT, JSON.stringify({ argv: process.argv.slice(1), env: Object.keys(process.env).sort() })); process.stderr.write("line 1\\nscaled\\n"); process.exit(Number(process.env.CODE || 0))';

test('a hostile service name reaches the program as one literal argument; only allowed env passes', async () => {
  const out = join(dir, 'argv.json');
  const cfg = execConfigSchema.parse({ command: [process.execPath, '-e', RECORD, '--', '--service', '{service}', '--replicas', '{toReplicas}'], env: ['OUT'] });
  const exec = createExecActuator(cfg, { OUT: out, SECRET_TOKEN: 'x', PATH: '/usr/bin' });
  const r = await exec.execute(action(HOSTILE));
  assert.equal(r.ok, true, r.detail);
  const got = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: string[] };
  assert.deepEqual(got.argv, ['--service', HOSTILE, '--replicas', '5']);
  assert.ok(!got.env.includes('SECRET_TOKEN') && !got.env.includes('PATH'));
  assert.equal(existsSync(PWNED), false, 'nothing was run by a shell');
  assert.equal(r.state?.exitCode, 0);
  assert.equal(r.state?.stderrTail, 'line 1\nscaled\n');
});

test('exit status and stderr tail on failure; a timeout kills; config rejects partial placeholders', async () => {
  const out = join(dir, 'argv2.json');
  const failing = createExecActuator(execConfigSchema.parse({ command: [process.execPath, '-e', RECORD], env: ['OUT', 'CODE'] }), { OUT: out, CODE: '3' });
  const f = await failing.execute(action('checkout'));
  assert.equal(f.ok, false);
  assert.match(f.detail, /exited 3: scaled$/);
  assert.equal(f.state?.exitCode, 3);
  const slow = createExecActuator(execConfigSchema.parse({ command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 300 }));
  const t = await slow.execute(action('checkout'));
  assert.equal(t.ok, false);
  assert.match(t.detail, /timed out after 300 ms/);
  assert.equal(t.state?.signal, 'SIGKILL');
  assert.throws(() => execConfigSchema.parse({ command: ['/bin/scale', '--service={service}'] }), /whole arguments/);
  assert.throws(() => execConfigSchema.parse({ command: ['/bin/scale', '{nope}'] }), /unknown placeholder/);
  const missing = await createExecActuator(execConfigSchema.parse({ command: ['/bin/true', '{standbyShare}'] })).execute(action('checkout'));
  assert.deepEqual(missing, { ok: false, detail: 'placeholder {standbyShare} has no value for a scale_out' });
});
