import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseConfig } from '../../../daemon/config.ts';
import { main } from '../../../daemon/cli.ts';

const KAFKA = { brokers: ['127.0.0.1:9092'], topics: ['logs'] };

test('the source kind is the one section present; none is the simulator; several are refused', () => {
  assert.equal(parseConfig({ source: { kafka: KAFKA } }).source.kind, 'kafka');
  assert.equal(parseConfig({ source: { file: { path: 'logs.ndjson' } } }).source.kind, 'file');
  assert.equal(parseConfig({}).source.kind, 'simulator');
  assert.equal(parseConfig({ source: { kind: 'stdin' } }).source.kind, 'stdin');
  assert.throws(() => parseConfig({ source: { file: { path: 'logs.ndjson' }, kafka: KAFKA } }),
    /source\.kind: source has source\.file and source\.kafka but no source\.kind: set source\.kind to say which one to read/);
  assert.throws(() => parseConfig({ source: { kind: 'file' } }), /source\.kind is "file" but source\.file\.path is not set/);
});

async function doctor(yaml: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-doctor-'));
  const file = join(dir, 'foresight.yaml');
  writeFileSync(file, yaml.replaceAll('$DIR', dir));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const code = await main(['doctor', '-c', file], { stdout, stderr: new PassThrough() });
  return { code, out };
}

test('doctor fails (exit 1) on what the daemon would fail on: a half config, an unknown actuator target, an unwritable store', async () => {
  const base = 'http: { port: 0 }\nstores: { dir: $DIR/var }\n';
  const fine = await doctor(`${base}services: { checkout: { sloP95Ms: 300 } }\nremediator: { actuators: [log, simulator] }\n`);
  assert.match(fine.out, /^ok {3}actuators {6}log, simulator$/m);
  assert.match(fine.out, /^ok {3}stores {9}file, .*\/var writable$/m);

  const half = await doctor(`${base}source: { file: { path: logs.ndjson }, kafka: { brokers: ["127.0.0.1:9092"], topics: [logs] } }\n`);
  assert.equal(half.code, 1);
  assert.match(half.out, /^FAIL config [\s\S]*source has source\.file and source\.kafka but no source\.kind/m);

  const ghost = await doctor(`${base}services: { checkout: { sloP95Ms: 300 }, ghost: { sloP95Ms: 300 } }\nremediator: { actuators: [log, simulator] }\n`);
  assert.equal(ghost.code, 1);
  assert.match(ghost.out, /^FAIL actuators {6}unknown actuator target\(s\) ghost: the simulator actuator acts on /m);

  // A store directory below a regular file can never be created (root or not).
  const unwritable = await doctor('http: { port: 0 }\nstores: { dir: $DIR/foresight.yaml/var }\n');
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.out, /^FAIL stores {9}.*foresight\.yaml\/var: .*foresight\.yaml is not writable \(not a directory\)$/m);
});
