import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, until } from './helpers.ts';

// The embedded default, as `npm start` runs it, but on a free port and a private store dir.
test('the embedded default serves health, finds a breach, acts, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-daemon-'));
  const d = startCli(['run'], { cwd: dir, env: { FORESIGHT_HTTP__PORT: '0', FORESIGHT_LOG__LEVEL: 'info' } });
  try {
    const url = await until('the listening line', 60_000, async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.stderr())?.[1]);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const status = await until('a detection and an action', 90_000, async () => {
      const s = await (await fetch(`${url}/api/status`)).json() as {
        detections: number; actions: number; services: number; deadLetters: number;
        stages: Record<string, { ok: boolean; detail?: { services?: number; coverage?: { nominal: number; calibration: Record<string, { mean: number }> } } }>;
      };
      return s.detections >= 1 && s.actions >= 1 ? s : undefined;
    });
    assert.equal(status.services, 3);
    assert.equal(status.deadLetters, 0);
    // Each stage's health is served too; the models stage reports its interval calibration.
    assert.deepEqual(Object.keys(status.stages).sort(), ['anomaly', 'breach', 'ingest', 'logPattern', 'models', 'remediator']);
    assert.equal(status.stages.models?.ok, true);
    assert.equal(status.stages.models?.detail?.services, 3);
    assert.equal(status.stages.models?.detail?.coverage?.nominal, 0.8);
    assert.ok((status.stages.models?.detail?.coverage?.calibration.seasonal_naive?.mean ?? 0) >= 1);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^foresight_windows_closed_total\{service="checkout"\} \d+/m);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const page = await (await fetch(`${url}/`)).text();
    assert.match(page, /<title>Foresight status<\/title>/);
  } finally {
    d.child.kill('SIGTERM');
  }
  // A graceful stop: exit 0 after the final 'stopped' record (how long it takes is not a
  // test's business on a shared machine; the test's own timeout is the give-up limit).
  const code = await d.exited;
  assert.equal(code, 0, d.stderr().slice(-2000));
  assert.match(d.stderr(), /"msg":"stopped"/);
  // stderr is not a terminal here: every line is a JSON log record (native TensorFlow's own
  // start-up notice included, silenced before the binding loads).
  const lines = d.stderr().split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 3);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON on stderr: ${line}`);
  const actions = readFileSync(join(dir, 'var', 'actions.ndjson'), 'utf8').trim().split('\n');
  assert.ok(actions.length >= 1);
});
