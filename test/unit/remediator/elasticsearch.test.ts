import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticsearchRecordStore, actionOp, detectionOp, docToAction, metricOp, STATUS_RANK } from '../../../remediator/store/elasticsearch/store.ts';
import { elasticsearchStoreConfigSchema } from '../../../remediator/store/elasticsearch/config.ts';
import { indexName, indexTemplates } from '../../../remediator/store/elasticsearch/templates.ts';
import type { ActionRecord } from '../../../remediator/types.ts';
import type { Detection } from '../../../detector/types.ts';

const action: ActionRecord = {
  actionId: 'act-1', '@timestamp': '2026-01-01T01:00:00.000Z', service: 'checkout', kind: 'scale_out', target: 'checkout',
  params: { fromReplicas: 4, toReplicas: 6 }, reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, evidence: 'p95 rising' },
  mode: 'dry_run', status: 'planned', actuator: 'log', daemon: { instance: 'i', version: '0.1.0', configHash: 'h' },
};

test('an action is one document per actionId, versioned by status rank so a late earlier state cannot win', () => {
  const planned = actionOp('foresight', action, false);
  const verified = actionOp('foresight', { ...action, status: 'verified' }, false);
  assert.deepEqual([planned.index, planned.id, planned.op, planned.version], ['foresight-actions-v2', 'act-1', 'index', 1]);
  assert.equal(verified.id, planned.id);
  assert.ok(verified.version! > planned.version!);
  for (const first of ['planned', 'executed', 'suppressed'] as const) {
    for (const last of ['verified', 'rolled_back', 'failed'] as const) assert.ok(STATUS_RANK[last] > STATUS_RANK[first], `${last} outranks ${first}`);
  }
  assert.deepEqual(docToAction(planned.doc), action, 'the stored document reads back as the record');
  assert.equal(actionOp('foresight', action, true).index, 'foresight-actions-v2-replay');
});

test('detections and metric points are immutable creates with stable ids and @timestamp', () => {
  const d = { id: 'det-1', service: 'checkout', metric: 'latency_p95', kind: 'anomaly', at: Date.UTC(2026, 0, 1, 1), score: 1, threshold: 0.5, evidence: {}, modelVersion: 'm' } as Detection;
  const op = detectionOp('fs', d, false);
  assert.deepEqual([op.index, op.id, op.op, op.doc['@timestamp']], ['fs-detections-v2', 'det-1', 'create', '2026-01-01T01:00:00.000Z']);
  const m = metricOp('fs', { service: 'orders', windowStart: 60_000, windowMs: 60_000, count: 3, errors: 0, errorRate: 0, latency: null, latencyCount: 0, levels: {}, topTemplates: [] }, false);
  assert.deepEqual([m.index, m.id, m.op, m.doc['@timestamp']], ['fs-metrics-v2', 'orders@60000', 'create', '1970-01-01T00:01:00.000Z']);
});

test('index templates cover <prefix>-<kind>* with @timestamp mapped as a date', () => {
  const ts = indexTemplates('foresight');
  assert.deepEqual(ts.map((t) => t.index_patterns), [['foresight-actions-v2*'], ['foresight-detections-v2*'], ['foresight-metrics-v2*'], ['foresight-templates-v2*']]);
  for (const t of ts) {
    const props = (t.template.mappings as { properties: Record<string, { type?: string }> }).properties;
    assert.equal(props['@timestamp']?.type, 'date');
    assert.ok(indexName('foresight', t._meta.kind as 'actions', true).startsWith(t.index_patterns[0]!.slice(0, -1)), 'replay indices match the pattern too');
  }
});

test('store config: defaults, credentials that go together, unknown keys rejected', () => {
  const c = elasticsearchStoreConfigSchema.parse({});
  assert.equal(c.url, 'http://127.0.0.1:9200');
  assert.equal(c.indexPrefix, 'foresight');
  assert.equal(elasticsearchStoreConfigSchema.safeParse({ username: 'u' }).success, false);
  assert.equal(elasticsearchStoreConfigSchema.safeParse({ apiKey: 'k', username: 'u', password: 'p' }).success, false);
  assert.equal(elasticsearchStoreConfigSchema.safeParse({ indexPrefix: 'Upper' }).success, false);
  assert.equal(elasticsearchStoreConfigSchema.safeParse({ urll: 'x' }).success, false);
});

test('an action claim against an Elasticsearch that accepts connections and never answers rejects (the remediator then carries the action out unclaimed) instead of waiting forever', async () => {
  const sockets = new Set<Socket>();
  // Answers the claim's create with 409 (held elsewhere), then is silent: the look-up of the holder hangs.
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', (chunk) => {
      if (!chunk.toString('latin1').startsWith('PUT /fs-action-claims-v2/_create/')) return;
      const body = '{"error":{"type":"version_conflict_engine_exception"},"status":409}';
      s.write(`HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\nx-elastic-product: Elasticsearch\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const cfg = elasticsearchStoreConfigSchema.parse({ url: `http://127.0.0.1:${port}`, indexPrefix: 'fs', requestTimeoutMs: 300 });
  const store = await ElasticsearchRecordStore.open(cfg, { dir: mkdtempSync(join(tmpdir(), 'claims-silent-')) });
  try {
    await assert.rejects(store.claimAction('act-1', { instance: 'i', process: 'p' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SINK_UNAVAILABLE');
      assert.match(err.message, /cannot claim action act-1 in fs-action-claims-v2/);
      return true;
    });
  } finally {
    for (const s of sockets) s.destroy();
    await store.close().catch(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
