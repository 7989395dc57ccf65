import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertsConfigSchema } from '../../../remediator/alerts/config.ts';
import { createDeliverer, alertmanagerPayload } from '../../../remediator/alerts/deliver.ts';
import { Outbox } from '../../../remediator/alerts/outbox.ts';
import { createAlertPlanner, type AlertMessage } from '../../../remediator/alerts/planner.ts';
import type { ActionRecord } from '../../../remediator/types.ts';
import { anomaly, breach, MIN, T0 } from './fixtures.ts';

const cfg = alertsConfigSchema.parse({ webhook: { url: 'http://127.0.0.1:1/hook' } });

function record(status: ActionRecord['status'], guardrail?: string, at = T0, kind: ActionRecord['kind'] = 'scale_out'): ActionRecord {
  return {
    actionId: kind === 'scale_out' ? 'act-1' : 'act-2', '@timestamp': new Date(at).toISOString(), service: 'checkout', kind, target: 'checkout', params: kind === 'scale_out' ? { fromReplicas: 2, toReplicas: 4 } : { fromReplicas: 4, toReplicas: 3 },
    reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 0.9, evidence: '' }, mode: 'live', status, actuator: 'kubernetes',
    daemon: { instance: 't', version: '0', configHash: 'x' }, ...(guardrail ? { guardrail } : {}),
  };
}

test('a predicted breach is raised once, updated each repeat interval, resolved after a quiet spell', () => {
  const p = createAlertPlanner({ ...cfg, repeatIntervalMs: 60 * MIN, resolveAfterMs: 30 * MIN });
  const keys: string[] = [];
  for (let m = 0; m <= 90; m += 5) keys.push(...p.handle({ detections: [breach('checkout', T0 + m * MIN)], records: [], now: T0 + m * MIN }).map((x) => `${x.key} ${x.state}`));
  keys.push(...p.handle({ detections: [], records: [], now: T0 + 125 * MIN }).map((x) => `${x.key} ${x.state}`));
  assert.deepEqual(keys, [`breach/checkout/${T0}/raised firing`, `breach/checkout/${T0}/update-1 firing`, `breach/checkout/${T0}/resolved resolved`]);
});

test('anomalies are raised only when they cluster, and at most once per interval per service', () => {
  const p = createAlertPlanner(cfg);
  const out: AlertMessage[] = [];
  // Isolated anomalies (20 min apart) never cluster to 3 within 15 min.
  for (let m = 0; m < 120; m += 20) out.push(...p.handle({ detections: [anomaly('orders', T0 + m * MIN)], records: [], now: T0 + m * MIN }));
  assert.equal(out.length, 0);
  for (let m = 200; m < 260; m += 2) out.push(...p.handle({ detections: [anomaly('orders', T0 + m * MIN)], records: [], now: T0 + m * MIN }));
  assert.deepEqual(out.map((m) => m.key), [`anomaly/orders/${T0 + 204 * MIN}`]);
});

test('actions are announced once per status, suppressed ones once per guardrail and interval', () => {
  const p = createAlertPlanner(cfg);
  const out = [
    ...p.handle({ detections: [], records: [record('executed'), record('executed')], now: T0 }),
    ...p.handle({ detections: [], records: [record('verified'), record('suppressed', 'cooldown', T0 + 5 * MIN), record('suppressed', 'cooldown', T0 + 10 * MIN), record('suppressed', 'hourly_cap', T0 + 10 * MIN)], now: T0 + 10 * MIN }),
  ];
  assert.deepEqual(out.map((m) => m.key), ['action/act-1/executed', 'action/act-1/verified', `suppressed/checkout/cooldown/${T0 + 5 * MIN}`, `suppressed/checkout/hourly_cap/${T0 + 10 * MIN}`]);
  assert.match(out[0]!.summary, /checkout: scale_out 2 → 4 replicas on checkout executed/);
  const am = alertmanagerPayload(out[0]!, T0) as { version: string; status: string; alerts: Array<{ labels: Record<string, string>; fingerprint: string }> };
  assert.equal(am.version, '4');
  assert.equal(am.status, 'firing');
  assert.deepEqual(am.alerts[0]!.labels, { alertname: 'ForesightAction', service: 'checkout', severity: 'info', group: 'action/act-1' });
});

test('a scale-in that goes as planned is not announced (unless announceScaleIn); one that needs a person is', () => {
  const statuses: Array<ActionRecord['status']> = ['planned', 'executed', 'verified', 'rolled_back'];
  const quiet = createAlertPlanner(cfg).handle({ detections: [], records: statuses.map((s) => record(s, undefined, T0, 'scale_in')), now: T0 });
  assert.deepEqual(quiet.map((m) => m.key), ['action/act-2/rolled_back']);
  const all = createAlertPlanner({ ...cfg, announceScaleIn: true }).handle({ detections: [], records: statuses.map((s) => record(s, undefined, T0, 'scale_in')), now: T0 });
  assert.deepEqual(all.map((m) => m.key), statuses.map((s) => `action/act-2/${s}`));
  assert.equal(cfg.announceScaleIn, false);
});

test('the outbox keeps undelivered messages across a reopen, delivers each key once, retries with backoff', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-outbox-'));
  const got: string[] = [];
  let failing = true;
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (failing) { res.writeHead(500).end(); return; }
      got.push(String(req.headers['idempotency-key']));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  const c = alertsConfigSchema.parse({ webhook: { url }, delivery: { initialBackoffMs: 10, maxBackoffMs: 20 } });
  const msgs = createAlertPlanner(c).handle({ detections: [breach('checkout', T0)], records: [record('executed')], now: T0 });
  try {
    let now = 0;
    const a = await Outbox.open(dir);
    assert.equal(await a.add(msgs, now), 2);
    assert.equal(await a.add(msgs, now), 0, 'a key is queued once');
    await createDeliverer(c, a, { now: () => now, random: () => 1 }).round();
    assert.deepEqual([...a.pending.values()].map((q) => [q.attempts, q.nextAt]), [[1, 10], [1, 10]]);
    await a.close();

    const b = await Outbox.open(dir);
    assert.equal(b.pending.size, 2, 'undelivered messages survive a reopen');
    failing = false;
    now = 100;
    await createDeliverer(c, b, { now: () => now }).round();
    assert.deepEqual(got.sort(), msgs.map((m) => m.key).sort());
    assert.equal(await b.add(msgs, now), 0, 'a delivered key is never queued again');
    await b.close();
    const cdir = await Outbox.open(dir);
    assert.equal(cdir.pending.size, 0);
    assert.equal(await cdir.add(msgs, now), 0, 'nor after a restart');
    await cdir.close();
    assert.match(readFileSync(join(dir, 'outbox.ndjson'), 'utf8'), /"op":"done"/);
  } finally {
    srv.close();
  }
});
