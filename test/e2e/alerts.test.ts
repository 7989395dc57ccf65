import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startCli, until } from './helpers.ts';
import type { ActionRecord } from '../../remediator/types.ts';

const OUTAGE_MS = 120_000;

interface Journal { added: Set<string>; done: Set<string> }

function journal(file: string): Journal {
  const out: Journal = { added: new Set(), done: new Set() };
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { op: string; key?: string; msg?: { key: string } };
    if (j.op === 'add') out.added.add(j.msg!.key);
    else out.done.add(j.key!);
  }
  return out;
}

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += (c as Buffer).toString();
  return s;
}

// The receiver answers 500 for two minutes, then 200. The daemon is stopped while it fails
// and started again; every alert still arrives, and is accepted exactly once per key.
test('alerts: a receiver down for two minutes and a daemon restart in between lose nothing and duplicate nothing; actions keep their statuses', { timeout: 420_000 }, async () => {
  const t0 = Date.now();
  const step = (what: string): void => { console.error(`[alerts e2e] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`); };
  const answered: Array<{ key: string; status: number; daemon: number }> = [];
  let daemonNo = 1;
  const receiver = createServer((req, res) => {
    void body(req).then(() => {
      const status = Date.now() - t0 < OUTAGE_MS ? 500 : 200;
      answered.push({ key: String(req.headers['idempotency-key']), status, daemon: daemonNo });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'receiver down');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

  const dir = mkdtempSync(join(tmpdir(), 'foresight-alerts-'));
  const cfg = join(dir, 'foresight.yaml');
  writeFileSync(cfg, YAML.stringify({
    log: { level: 'info' },
    http: { enabled: false },
    // The leak, closed loop: anomalies, a predicted breach, scale-outs, verification, scale-ins.
    source: { kind: 'simulator', simulator: { scenario: 'memory-leak', seed: 7, speed: 120, minutes: 600 } },
    remediator: { mode: 'dry_run', actuators: ['log', 'simulator'] },
    services: { checkout: { sloP95Ms: 300, minReplicas: 4, maxReplicas: 16 } },
    alerts: { webhook: { url }, delivery: { initialBackoffMs: 2000, maxBackoffMs: 15_000, pollMs: 500 } },
    stores: { dir: join(dir, 'var') },
  }));
  const outbox = join(dir, 'var', 'outbox', 'outbox.ndjson');

  const first = startCli(['run', '--config', cfg], { cwd: dir });
  let second: ReturnType<typeof startCli> | undefined;
  try {
    await until('three alerts queued and refused', 150_000, async () => (journal(outbox).added.size >= 3 && answered.length >= 3 ? true : undefined));
    step(`${journal(outbox).added.size} queued; stopping the daemon while the receiver fails`);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.stderr().slice(-2000));
    const beforeRestart = journal(outbox);
    assert.equal(beforeRestart.done.size, 0, 'nothing could be delivered yet');
    assert.match(first.stderr(), /NOTIFY_FAILED/);

    daemonNo = 2;
    second = startCli(['run', '--config', cfg], { cwd: dir });
    const d2 = second;
    await until('the receiver back and every queued alert delivered', 300_000, async () => {
      const j = journal(outbox);
      const ok = Date.now() - t0 > OUTAGE_MS + 20_000 && j.added.size > beforeRestart.added.size && [...j.added].every((k) => j.done.has(k));
      return ok ? true : undefined;
    });
    step(`all delivered (${journal(outbox).added.size} alerts); stopping`);
    d2.child.kill('SIGTERM');
    assert.equal(await d2.exited, 0, d2.stderr().slice(-2000));

    const j = journal(outbox);
    const accepted = new Map<string, number>();
    for (const a of answered) if (a.status === 200) accepted.set(a.key, (accepted.get(a.key) ?? 0) + 1);
    // Every alert ever queued was accepted exactly once, and nothing else was.
    assert.deepEqual([...accepted.keys()].sort(), [...j.added].sort());
    assert.deepEqual([...new Set(accepted.values())], [1], 'each key accepted once');
    // Those queued before the restart were refused by the receiver, then delivered by the second daemon.
    for (const k of beforeRestart.added) {
      assert.ok(answered.some((a) => a.key === k && a.status === 500), `${k} was tried during the outage`);
      assert.ok(answered.some((a) => a.key === k && a.status === 200 && a.daemon === 2), `${k} delivered after the restart`);
    }
    // A failed notification is never an action's failure.
    const records = readFileSync(join(dir, 'var', 'actions.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ActionRecord);
    assert.ok(records.some((r) => r.kind === 'scale_out'), 'the run acted');
    assert.deepEqual(records.filter((r) => r.status === 'failed').map((r) => r.result), []);
    step(`${answered.filter((a) => a.status === 500).length} refused attempts, ${accepted.size} alerts accepted once each, ${beforeRestart.added.size} of them queued before the restart`);
  } finally {
    first.child.kill('SIGTERM');
    second?.child.kill('SIGTERM');
    await Promise.all([first.exited, second?.exited]);
    receiver.close();
  }
});
