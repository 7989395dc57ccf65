import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.ts';

const checkout = {
  name: 'checkout', replicas: 4, perReplicaRps: 50, baseLatencyMs: 45, sloP95Ms: 300,
  load: { peakRps: 125, troughRps: 85, peakAtMinute: 150, noise: 0.04 },
};
const orders = {
  name: 'orders', replicas: 4, perReplicaRps: 60, baseLatencyMs: 30, sloP95Ms: 250,
  load: { peakRps: 140, troughRps: 90, peakAtMinute: 150, noise: 0.05 },
};

test('eval leadtime on a two-scenario suite: JSON shape on the last line, table on stderr, foresight beats no remediation', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-leadtime-'));
  writeFileSync(join(dir, 'leak.json'), JSON.stringify({
    name: 'mini-leak', durationMinutes: 150, seed: 7, services: [checkout],
    incidents: [{ kind: 'memory-leak', service: 'checkout', startMinute: 60, rampMinutes: 80, floor: 0.35 }],
  }));
  writeFileSync(join(dir, 'steady.yaml'), `name: mini-steady\ndurationMinutes: 120\nseed: 3\nservices:\n  - ${JSON.stringify(checkout)}\n  - ${JSON.stringify(orders)}\n`);
  writeFileSync(join(dir, 'notes.txt'), 'not a scenario: ignored');

  const r = await runCli(['eval', 'leadtime', '--scenarios', dir, '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown> & {
    sloBreachMinutes: Record<string, number>; replicaMinutes: Record<string, number>; leadMinutes: Record<string, number | null>;
  };
  for (const k of ['scenarios', 'incidents', 'predictable', 'recall', 'leadMinutes', 'falseAlarmsPerServiceDay', 'sloBreachMinutes', 'replicaMinutes', 'seconds']) {
    assert.ok(k in out, `missing ${k}`);
  }
  assert.equal(out.scenarios, 2);
  assert.equal(out.incidents, 1);
  assert.equal(out.predictable, 1);
  assert.deepEqual(Object.keys(out.sloBreachMinutes).sort(), ['foresight', 'none', 'reactive']);
  assert.deepEqual(Object.keys(out.replicaMinutes).sort(), ['foresight', 'none', 'reactive']);
  assert.deepEqual(Object.keys(out.leadMinutes).sort(), ['median', 'p10']);
  assert.equal(typeof out.falseAlarmsPerServiceDay, 'number');
  assert.ok(out.sloBreachMinutes.none! > 0, 'the leak breaches without remediation');
  assert.ok(out.sloBreachMinutes.foresight! < out.sloBreachMinutes.none!, JSON.stringify(out.sloBreachMinutes));
  // The per-scenario table and progress go to stderr.
  assert.match(r.stderr, /\[1\/2\] mini-leak/);
  assert.match(r.stderr, /^mini-steady /m);
  assert.match(r.stderr, /^total /m);
});

test('eval leadtime rejects a directory without scenarios', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-leadtime-empty-'));
  const r = await runCli(['eval', 'leadtime', '--scenarios', dir], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no scenario files/);
});
