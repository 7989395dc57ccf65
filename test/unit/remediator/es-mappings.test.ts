import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionDoc, deadLetterDoc, detectionDoc, docToAction, metricDoc, templateDoc, templateOps } from '../../../remediator/store/elasticsearch/store.ts';
import { indexTemplates, legacyIndexName, MAPPINGS, SCHEMA_VERSION, type RecordKind } from '../../../remediator/store/elasticsearch/templates.ts';
import type { ActionRecord, MetricRecord } from '../../../remediator/types.ts';
import type { Detection } from '../../../detector/types.ts';
import type { DeadLetter } from '../../../ingest/types.ts';

interface Mapping { type?: string; enabled?: boolean; properties?: Record<string, Mapping> }

/** The mapping of a dotted path, or undefined; stops at an object stored but not indexed. */
function mappingAt(kind: RecordKind, path: string): Mapping | undefined {
  let props: Record<string, Mapping> | undefined = MAPPINGS[kind] as Record<string, Mapping>;
  let m: Mapping | undefined;
  for (const part of path.split('.')) {
    m = props?.[part];
    if (!m) return undefined;
    if (m.enabled === false) return m;
    props = m.properties;
  }
  return m;
}

/** Leaf paths of a document (arrays of objects are walked; arrays of scalars are leaves). */
function leaves(doc: unknown, prefix = ''): string[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => leaves(d, prefix));
  if (doc === null || typeof doc !== 'object') return prefix ? [prefix] : [];
  return Object.entries(doc).filter(([, v]) => v !== undefined).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

const T = Date.UTC(2026, 0, 1, 1);
const action: ActionRecord = {
  actionId: 'act-1', '@timestamp': new Date(T).toISOString(), service: 'checkout', kind: 'scale_out', target: 'checkout',
  params: { fromReplicas: 4, toReplicas: 6, loadPerReplica: 120 }, reason: { detectionId: 'det-1', detectionKind: 'predicted_breach', score: 0.9, leadTimeMs: 90_000, evidence: 'p95 rising', templateIds: ['t1'] },
  mode: 'dry_run', status: 'suppressed', guardrail: 'cooldown', actuator: 'log', result: 'ok', rollbackOf: 'act-0',
  verification: { checkedAt: new Date(T).toISOString(), ok: true, detail: 'p95 back under' },
  daemon: { instance: 'i', version: '0.1.0', configHash: 'h' }, replay: true,
};
const detection: Detection = {
  id: 'det-1', service: 'checkout', metric: 'latency_p95', kind: 'predicted_breach', at: T, score: 0.8, threshold: 300,
  predictedBreachAt: T + 900_000, leadTimeMs: 900_000, modelVersion: 'm1', replay: true, evidence: { p95: 250, templateIds: ['t1'] },
  forecast: { origin: T, stepMs: 60_000, steps: 40, forecaster: 'saturation', median: [260, 310], upper: [280, 350] },
};
const metric: MetricRecord = {
  service: 'checkout', windowStart: T, windowMs: 60_000, count: 10, errors: 1, errorRate: 0.1, latencyCount: 10,
  latency: { p50: 100, p95: 250, p99: 270, max: 300, mean: 120 }, levels: { info: 9, error: 1 },
  topTemplates: [{ id: 't1', text: 'GET <*> took <*> ms', count: 7 }, { id: 't2', text: 'db slow', count: 3 }],
  templates: [{ id: 't1', text: 'GET <*> took <*> ms', count: 7, warn: 0, samples: ['GET /a took 5 ms'], firstSeen: T - 3_600_000 }],
  sloP95Ms: 300, forecaster: 'theil_sen', forecast: { horizonMs: 2_400_000, p10: 200, p50: 280, p90: 340 },
};
const letter: DeadLetter = { reason: 'not_json', detail: 'Unexpected token', raw: '{oops', rawBytes: 5, truncated: false, position: { kind: 'kafka', topic: 'logs', partition: 0, offset: '42' }, at: T };

test('every field a record document carries is mapped (dynamic is off, so an unmapped field would be invisible)', () => {
  const docs: Array<[RecordKind, Record<string, unknown>]> = [
    ['actions', actionDoc(action, true)], ['detections', detectionDoc(detection, true)], ['metrics', metricDoc(metric, true)], ['metrics', deadLetterDoc(letter, false)],
    ['templates', templateDoc(metric, metric.templates![0]!, true)],
  ];
  for (const [kind, doc] of docs) {
    for (const path of leaves(doc)) assert.ok(mappingAt(kind, path), `${kind}: ${path} is mapped`);
  }
});

test('the documented dashboard fields exist with aggregatable types', () => {
  const expect: Array<[RecordKind, string, string]> = [
    ['metrics', '@timestamp', 'date'], ['metrics', 'service.name', 'keyword'], ['metrics', 'event.dataset', 'keyword'], ['metrics', 'labels.source', 'keyword'],
    ['metrics', 'latency.p95', 'double'], ['metrics', 'slo.p95_ms', 'double'], ['metrics', 'forecast.p50', 'double'], ['metrics', 'forecast.p90', 'double'],
    ['metrics', 'forecast.p10', 'double'], ['metrics', 'forecast.forecaster', 'keyword'], ['metrics', 'templates', 'keyword'], ['metrics', 'topTemplates', 'nested'],
    ['metrics', 'topTemplates.text', 'keyword'], ['metrics', 'deadletter.reason', 'keyword'], ['metrics', 'errorRate', 'float'],
    ['actions', 'service.name', 'keyword'], ['actions', 'replicas.from', 'integer'], ['actions', 'replicas.to', 'integer'], ['actions', 'status', 'keyword'],
    ['actions', 'guardrail', 'keyword'], ['actions', 'kind', 'keyword'], ['actions', 'event.outcome', 'keyword'], ['actions', 'reason.lead_time_s', 'float'],
    ['detections', 'service.name', 'keyword'], ['detections', 'breach.lead_time_s', 'float'], ['detections', 'breach.predicted_at', 'date'],
    ['detections', 'templateIds', 'keyword'], ['actions', 'reason.templateIds', 'keyword'],
    ['templates', '@timestamp', 'date'], ['templates', 'service.name', 'keyword'], ['templates', 'template.id', 'keyword'], ['templates', 'template.text', 'keyword'],
    ['templates', 'template.first_seen', 'date'], ['templates', 'count', 'long'], ['templates', 'warn', 'long'], ['templates', 'event.dataset', 'keyword'],
    ['detections', 'forecast.p50', 'double'], ['detections', 'forecast.p90', 'double'], ['detections', 'forecast.forecaster', 'keyword'], ['detections', 'kind', 'keyword'],
  ];
  for (const [kind, path, type] of expect) assert.equal(mappingAt(kind, path)?.type, type, `${kind}: ${path}`);
});

test('documents carry the dashboard values: replicas as numbers, lead time in seconds, the forecast at the horizon', () => {
  const a = actionDoc(action, true);
  assert.deepEqual([a.service, a.replicas, (a.reason as { lead_time_s: number }).lead_time_s, a.labels], [{ name: 'checkout' }, { from: 4, to: 6 }, 90, { source: 'replay' }]);
  assert.deepEqual(a.event, { dataset: 'foresight.actions', kind: 'event', action: 'scale_out', outcome: 'unknown' });
  const d = detectionDoc(detection, false);
  assert.deepEqual(d.breach, { predicted_at: new Date(T + 900_000).toISOString(), lead_time_s: 900 });
  assert.deepEqual(d.forecast, { forecaster: 'saturation', horizon_ms: 2_400_000, p50: 310, p90: 350, path: detection.forecast });
  const m = metricDoc(metric, false);
  assert.deepEqual([m.slo, m.forecast, m.labels], [{ p95_ms: 300 }, { forecaster: 'theil_sen', horizon_ms: 2_400_000, p10: 200, p50: 280, p90: 340 }, { source: 'live' }]);
  assert.equal((m.event as { duration: number }).duration, 60e9, 'ECS event.duration in ns');
  assert.deepEqual(d.templateIds, ['t1'], 'the template ids a detection names are searchable');
  const ops = templateOps('fs', metric, false);
  assert.deepEqual(ops.map((o) => [o.index, o.id, o.op]), [['fs-templates-v2', `checkout@t1@${T}`, 'create']]);
  assert.deepEqual([ops[0]!.doc.template, ops[0]!.doc.count, ops[0]!.doc.warn, ops[0]!.doc['@timestamp']], [
    { id: 't1', text: 'GET <*> took <*> ms', first_seen: new Date(T - 3_600_000).toISOString() }, 7, 0, new Date(T).toISOString(),
  ]);
  assert.equal('templates' in m, false, 'per-template counts live in the templates index, not in each metric document');
  const l = deadLetterDoc(letter, false);
  assert.deepEqual((l.deadletter as { position: string; reason: string }).position, 'kafka:logs/0@42');
});

test('an action document reads back as its record, and so does a schema 1 document', () => {
  assert.deepEqual(docToAction(actionDoc(action, true)), action);
  const { service, ...rest } = action;
  const v1 = { ...rest, service, event: { dataset: 'foresight.actions', kind: 'event' } };
  assert.deepEqual(docToAction(v1), action);
  assert.equal(legacyIndexName('foresight', 'actions', false), 'foresight-actions');
});

test('templates: versioned, replicas settable (0 by default for a single node)', () => {
  for (const t of indexTemplates('fs')) {
    assert.equal(t.version, SCHEMA_VERSION);
    assert.equal(t.template.settings.number_of_replicas, 0);
    assert.equal((t.template.mappings as { dynamic: boolean }).dynamic, false);
  }
  assert.equal(indexTemplates('fs', { replicas: 2 })[0]!.template.settings.number_of_replicas, 2);
});
