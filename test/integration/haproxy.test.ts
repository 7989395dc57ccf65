import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHaproxy } from '../../scripts/rig/haproxy.ts';
import { createHaproxyActuator, haproxyConfigSchema } from '../../remediator/actuators/haproxy.ts';
import type { ActionRecord } from '../../remediator/types.ts';

async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }); res.end(name); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => { body += s; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Shares of responses per backend over `n` real requests through HAProxy. */
async function shares(port: number, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) { const b = await get(port); counts[b] = (counts[b] ?? 0) + 1; }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
}

function action(kind: ActionRecord['kind'], target: string, params: ActionRecord['params']): ActionRecord {
  return {
    actionId: `act-${kind}`, '@timestamp': new Date().toISOString(), service: target, kind, target, params,
    reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' }, mode: 'live', status: 'executed', actuator: 'haproxy',
    daemon: { instance: 't', version: '0', configHash: 'x' },
  };
}

test('HAProxy: a traffic shift moves real traffic by the weights (±10 %), a scale-out enables a standby, rollback restores both', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-haproxy-'));
  const [a, b, c] = await Promise.all([backend('a'), backend('b'), backend('c')]);
  const [shiftPort, scalePort] = [await freePort(), await freePort()];
  const hap = await startHaproxy(dir, `
global
  stats socket ${join(dir, 'admin.sock')} mode 600 level admin
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe_shift
  bind 127.0.0.1:${shiftPort}
  default_backend be_shift
frontend fe_scale
  bind 127.0.0.1:${scalePort}
  default_backend be_scale
backend be_shift
  balance roundrobin
  server a 127.0.0.1:${a.port} weight 100
  server b 127.0.0.1:${b.port} weight 0
backend be_scale
  balance roundrobin
  server a 127.0.0.1:${a.port} weight 100
  server c 127.0.0.1:${c.port} weight 100 disabled
`);
  try {
    const cfg = haproxyConfigSchema.parse({
      socket: hap.socket,
      targets: { web: { backend: 'be_shift', primary: ['a'], standby: ['b'] }, api: { backend: 'be_scale', servers: ['a', 'c'] } },
    });
    const act = createHaproxyActuator(cfg);
    assert.deepEqual(await shares(shiftPort, 50), { a: 1 });

    const shift = await act.execute(action('traffic_shift', 'web', { fromWeights: { primary: 1, standby: 0 }, toWeights: { primary: 0.7, standby: 0.3 } }));
    assert.equal(shift.detail, 'be_shift weights a=100 b=0 → a=70 b=30 (read back)');
    const during = await shares(shiftPort, 200);
    assert.ok(Math.abs((during.b ?? 0) - 0.3) <= 0.1 && Math.abs((during.a ?? 0) - 0.7) <= 0.1, JSON.stringify(during));
    assert.deepEqual(await act.verify!({ ...action('traffic_shift', 'web', {}), actuation: { haproxy: shift.state! } }), { ok: true, detail: 'be_shift weights a=70 b=30' });

    // A new actuator (a restarted daemon) restores from the record what it found before the shift.
    const after = createHaproxyActuator(cfg);
    after.restore!([{ ...action('traffic_shift', 'web', {}), actuation: { haproxy: shift.state! } }]);
    const back = await after.execute(action('rollback', 'web', { fromWeights: { primary: 0.7, standby: 0.3 }, toWeights: { primary: 1, standby: 0 } }));
    assert.equal(back.detail, 'be_shift weights a=70 b=30 → a=100 b=0 (read back)');
    assert.deepEqual(await shares(shiftPort, 50), { a: 1 });

    assert.equal(await act.replicas!('api'), 1);
    const out = await act.execute(action('scale_out', 'api', { fromReplicas: 1, toReplicas: 2 }));
    assert.equal(out.detail, 'be_scale ready servers 1 → 2 (a,c) (read back)');
    const scaled = await shares(scalePort, 100);
    assert.ok(Math.abs((scaled.c ?? 0) - 0.5) <= 0.1, JSON.stringify(scaled));
    assert.equal((await act.verify!({ ...action('scale_out', 'api', { fromReplicas: 1, toReplicas: 2 }), actuation: { haproxy: out.state! } }))?.ok, true);
    const undo = await act.execute(action('rollback', 'api', { fromReplicas: 2, toReplicas: 1 }));
    assert.equal(undo.detail, 'be_scale ready servers 2 → 1 (a) (read back)');
    assert.deepEqual(await shares(scalePort, 50), { a: 1 });

    // A server that does not exist fails the action with HAProxy's reason, no crash.
    const bad = await createHaproxyActuator(haproxyConfigSchema.parse({ socket: hap.socket, targets: { web: { backend: 'be_shift', primary: ['a'], standby: ['zz'] } } }))
      .execute(action('traffic_shift', 'web', { toWeights: { primary: 0.5, standby: 0.5 } }));
    assert.deepEqual(bad, { ok: false, detail: 'no server be_shift/zz in HAProxy' });
  } finally {
    await hap.stop();
    for (const s of [a, b, c]) s.server.close();
  }
});
