import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, until } from './helpers.ts';

// Issue #10 item 8: credentials in ELASTICSEARCH_URL and a token in the webhook URL must not
// be printed by `config` or `doctor`, nor logged while the daemon runs.
const env = {
  ELASTICSEARCH_URL: 'http://elastic:PW-s3cr3t@127.0.0.1:1',
  FORESIGHT_REMEDIATOR__WEBHOOK__URL: 'https://hooks.example.com/in?token=TOKEN-s3cr3t&team=ops',
  FORESIGHT_HTTP__PORT: '0',
};
const leaks = (text: string) => ['PW-s3cr3t', 'TOKEN-s3cr3t'].filter((s) => text.includes(s));

test('foresight config prints URLs without credentials or query values', async () => {
  const r = await runCli(['config'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(leaks(r.stdout + r.stderr), []);
  const cfg = JSON.parse(r.stdout) as { config: { stores: { elasticsearch: { url: string } }; remediator: { webhook: { url: string } } } };
  assert.equal(cfg.config.stores.elasticsearch.url, 'http://[redacted]@127.0.0.1:1');
  assert.equal(cfg.config.remediator.webhook.url, 'https://hooks.example.com/in?token=[redacted]&team=[redacted]');
});

test('foresight doctor reports an unreachable Elasticsearch without its password', { timeout: 60_000 }, async () => {
  const r = await runCli(['doctor', '--json'], { env });
  assert.equal(r.code, 1);
  assert.deepEqual(leaks(r.stdout + r.stderr), []);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { elasticsearch: { ok: boolean; url: string } };
  assert.equal(report.elasticsearch.ok, false);
  assert.equal(report.elasticsearch.url, 'http://[redacted]@127.0.0.1:1');
});

test('the daemon logs neither at start-up nor while Elasticsearch is unreachable', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-secrets-'));
  const d = startCli(['run'], { cwd: dir, env: { ...env, FORESIGHT_LOG__LEVEL: 'debug' } });
  try {
    await until('the start-up and Elasticsearch lines', 60_000, async () => {
      const s = d.stderr();
      return s.includes('starting foresight') && /Elasticsearch/.test(s.slice(s.indexOf('starting foresight') + 20)) ? true : undefined;
    });
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  const log = d.stderr();
  assert.deepEqual(leaks(log), []);
  assert.match(log, /\[redacted\]@127\.0\.0\.1:1/);
});
