import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnv, loadConfig, parseConfig, redactConfig } from '../../../daemon/config.ts';
import { ForesightError } from '../../../core/errors.ts';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-config-'));
  const f = join(dir, 'foresight.yaml');
  writeFileSync(f, text);
  return f;
}

test('defaults fill an empty config and the result is frozen', () => {
  const c = parseConfig({});
  assert.equal(c.http.port, 9464);
  assert.equal(c.http.host, '127.0.0.1');
  assert.deepEqual([c.http.chartWindows, c.http.chartMaxServices], [1440, 500]);
  assert.equal(c.remediator.mode, 'dry_run');
  assert.equal(c.ingest.windowMs, 60_000);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.ingest.fields));
});

test('unknown keys are rejected, naming the key and the file', () => {
  const f = yamlFile('remediator:\n  mdoe: live\n');
  assert.throws(() => loadConfig(f, {}), (err: unknown) => {
    assert.ok(err instanceof ForesightError);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /foresight\.yaml: remediator: Unrecognized key: "mdoe"/);
    return true;
  });
});

test('bad values name the key and why', () => {
  assert.throws(() => parseConfig({ http: { port: 70000 } }), /http\.port: .*65535/);
  assert.throws(() => parseConfig({ source: { kind: 'file' } }), /source\.file\.path: source\.kind is "file"/);
});

test('environment overrides nest with __ and parse scalars', () => {
  const raw = applyEnv({ http: { host: '127.0.0.1' } }, { FORESIGHT_HTTP__PORT: '0', FORESIGHT_REMEDIATOR__MODE: 'live', FORESIGHT_REMEDIATOR__MAX_ACTIONS_PER_HOUR: '3', PATH: '/bin' });
  assert.deepEqual(raw, { http: { host: '127.0.0.1', port: 0 }, remediator: { mode: 'live', maxActionsPerHour: 3 } });
  const c = parseConfig(raw);
  assert.equal(c.remediator.maxActionsPerHour, 3);
});

test('an environment variable that does not name a key is an error, not ignored', () => {
  assert.throws(() => loadConfig(undefined, { FORESIGHT_HTTP__PROT: '1' }), /http: Unrecognized key: "prot"/);
});

test('the embedded default runs the simulator with SLOs for its services', () => {
  const { config, file } = loadConfig(undefined, {});
  assert.equal(file, undefined);
  assert.equal(config.source.kind, 'simulator');
  assert.deepEqual(config.remediator.actuators, ['log', 'simulator']);
  assert.equal(config.services.checkout?.sloP95Ms, 300);
});

test('a missing config file is a clear error', () => {
  assert.throws(() => loadConfig('/nonexistent/foresight.yaml', {}), /config file not found: \/nonexistent\/foresight\.yaml/);
});

test('secrets are redacted wherever config is printed', () => {
  const shown = redactConfig({ remediator: { webhook: { url: 'https://user:pw@hooks.example/x', secret: 's3cret' } }, kafka: { sasl: { password: 'p' } } });
  assert.deepEqual(shown, { remediator: { webhook: { url: 'https://[redacted]@hooks.example/x', secret: '[redacted]' } }, kafka: { sasl: '[redacted]' } });
});
