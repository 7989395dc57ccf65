import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookActuator, signBody, verifySignature } from '../../../remediator/actuators/webhook.ts';
import { webhookSchema } from '../../../remediator/config.ts';
import type { ActionRecord } from '../../../remediator/types.ts';

const action: ActionRecord = {
  actionId: 'act-1', '@timestamp': '2026-01-01T12:00:00.000Z', service: 'checkout', kind: 'scale_out', target: 'checkout',
  params: { fromReplicas: 2, toReplicas: 6 }, reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, evidence: 'x' },
  mode: 'live', status: 'executed', actuator: '', daemon: { instance: 'i', version: 'v', configHash: 'h' },
};

interface Seen { body: string; headers: IncomingHttpHeaders }

/** A real server on port 0 answering with the given statuses in turn (then 200). */
async function server(statuses: number[], delayMs = 0) {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      const status = statuses.shift() ?? 200;
      setTimeout(() => { res.statusCode = status; res.end('{}'); }, delayMs);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  return { url, seen, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

const noWait = { sleep: async () => {}, random: () => 0 };

test('signs the raw body with HMAC-SHA256 and sends the timestamp', async () => {
  const s = await server([]);
  try {
    const hook = createWebhookActuator(webhookSchema.parse({ url: s.url, secret: 'k3y' }), { now: () => 1_767_268_800_000, retry: noWait });
    assert.deepEqual(await hook.execute(action), { ok: true, detail: 'HTTP 200 after 1 attempt' });
    const got = s.seen[0]!;
    assert.equal(got.headers['x-foresight-timestamp'], '1767268800000');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['idempotency-key'], 'act-1:executed');
    assert.equal(got.headers['x-foresight-signature'], signBody('k3y', got.body));
    assert.ok(verifySignature('k3y', got.body, got.headers['x-foresight-signature'] as string));
    assert.ok(!verifySignature('other', got.body, got.headers['x-foresight-signature'] as string));
    assert.ok(!verifySignature('k3y', got.body + ' ', got.headers['x-foresight-signature'] as string));
    assert.deepEqual(JSON.parse(got.body), { event: 'foresight.action', sentAt: 1_767_268_800_000, action });
    // Known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    assert.equal(signBody('key', 'The quick brown fox jumps over the lazy dog'), 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  } finally { await s.close(); }
});

test('retries 503 with the same bytes, then succeeds', async () => {
  const s = await server([503, 503]);
  try {
    const hook = createWebhookActuator(webhookSchema.parse({ url: s.url, secret: 'k3y', retries: 3 }), { retry: noWait });
    assert.deepEqual(await hook.execute(action), { ok: true, detail: 'HTTP 200 after 3 attempts' });
    assert.equal(s.seen.length, 3);
    assert.equal(new Set(s.seen.map((x) => x.body)).size, 1);
    assert.equal(new Set(s.seen.map((x) => x.headers['x-foresight-signature'])).size, 1);
  } finally { await s.close(); }
});

test('does not retry a 4xx, and gives up after the configured retries on 5xx', async () => {
  const s = await server([400, 500, 500, 500]);
  try {
    const hook = createWebhookActuator(webhookSchema.parse({ url: s.url, retries: 2 }), { retry: noWait });
    assert.deepEqual(await hook.execute(action), { ok: false, detail: 'webhook answered HTTP 400 after 1 attempt' });
    assert.equal(s.seen[0]!.headers['x-foresight-signature'], undefined);
    assert.deepEqual(await hook.execute(action), { ok: false, detail: 'webhook answered HTTP 500 after 3 attempts' });
    assert.equal(s.seen.length, 4);
  } finally { await s.close(); }
});

test('a slow receiver times out and is retried', async () => {
  const s = await server([], 300);
  try {
    const hook = createWebhookActuator(webhookSchema.parse({ url: s.url, timeoutMs: 50, retries: 1 }), { retry: noWait });
    const r = await hook.execute(action);
    assert.equal(r.ok, false);
    assert.match(r.detail, /^webhook POST failed: .* after 2 attempts$/);
  } finally { await s.close(); }
});

test('a refused connection is a network error, retried', async () => {
  const s = await server([]);
  await s.close();
  const hook = createWebhookActuator(webhookSchema.parse({ url: s.url, retries: 2 }), { retry: noWait });
  const r = await hook.execute(action);
  assert.equal(r.ok, false);
  assert.match(r.detail, /after 3 attempts$/);
});
