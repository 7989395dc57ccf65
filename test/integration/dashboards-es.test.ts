import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import YAML from 'yaml';
import { dropIndices, ensureRig, makeDataset, POLICIES, runCli, tempDir, uniqueName } from './support/stack.ts';
import { indexName } from '../../remediator/store/elasticsearch/templates.ts';
import type { RigEndpoints } from '../../scripts/rig/index.ts';
import type { ReplayReport } from '../../daemon/replay.ts';

// What a dashboard panel asks Elasticsearch, asked after a replay of a three-hour memory
// leak (plus two bad lines): each aggregation must return buckets, with the values the
// replay's report (or the documents themselves) say it should.
let rig: RigEndpoints;
let es: Client;
let report: ReplayReport;
const prefix = uniqueName('dash');
const idx = (kind: 'actions' | 'detections' | 'metrics' | 'templates'): string => indexName(prefix, kind, true);

before(async () => {
  rig = await ensureRig();
  const data = await makeDataset();
  const dir = tempDir('dash');
  const file = join(dir, 'leak.ndjson');
  copyFileSync(data.file, file);
  appendFileSync(file, 'this is not json\n{"service":"checkout","message":"no time"}\n');
  const cfg = join(dir, 'replay.yaml');
  writeFileSync(cfg, YAML.stringify({
    log: { level: 'warn' }, remediator: { mode: 'dry_run', actuators: ['log'] }, services: POLICIES,
    stores: { kind: 'elasticsearch', dir: join(dir, 'var'), elasticsearch: { url: rig.elasticsearchUrl, indexPrefix: prefix } },
  }));
  const out = join(dir, 'report.json');
  const r = await runCli(['replay', file, '--config', cfg, '--report', out], { cwd: dir, env: { KAFKA_BROKERS: '', ELASTICSEARCH_URL: '' } });
  assert.equal(r.code, 0, r.stderr);
  report = JSON.parse(readFileSync(out, 'utf8')) as ReplayReport;
  es = new Client({ node: rig.elasticsearchUrl });
  await es.indices.refresh({ index: `${prefix}-*` });
}, { timeout: 300_000 });

after(async () => {
  await es?.close();
  if (rig) await dropIndices(rig.elasticsearchUrl, prefix);
});

interface Bucket { key: string | number; doc_count: number; [agg: string]: unknown }
const buckets = (agg: unknown): Bucket[] => (agg as { buckets: Bucket[] }).buckets;
const value = (agg: unknown): number | null => (agg as { value: number | null }).value;

test('indices are green on a single node (no replica shards)', async () => {
  const health = await es.cluster.health({ index: `${prefix}-*`, wait_for_status: 'green', timeout: '10s' });
  assert.equal(health.status, 'green');
});

test('p95 vs SLO per service: a date histogram of p95, SLO and forecast per service', async () => {
  const res = await es.search({
    index: idx('metrics'), size: 10_000,
    query: { bool: { filter: [{ term: { 'event.dataset': 'foresight.metrics' } }, { exists: { field: 'latency.p95' } }] } },
    aggs: { svc: { terms: { field: 'service.name', size: 50 }, aggs: { t: { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { p95: { avg: { field: 'latency.p95' } }, slo: { max: { field: 'slo.p95_ms' } }, f50: { avg: { field: 'forecast.p50' } }, f90: { avg: { field: 'forecast.p90' } } } } } } },
  });
  const svc = buckets(res.aggregations!.svc);
  assert.deepEqual(svc.map((b) => b.key).sort(), ['checkout', 'orders', 'payments']);
  const docs = res.hits.hits.map((h) => h._source as { service: { name: string }; '@timestamp': string; latency: { p95: number } });
  for (const s of svc) {
    const hours = buckets(s.t);
    assert.ok(hours.length >= 3, `${s.key}: hourly buckets`);
    for (const h of hours) {
      assert.equal(value(h.slo), POLICIES[s.key as keyof typeof POLICIES].sloP95Ms, `${s.key}: SLO line`);
      const mine = docs.filter((d) => d.service.name === s.key && Math.floor(Date.parse(d['@timestamp']) / 3600_000) * 3600_000 === h.key);
      assert.equal(h.doc_count, mine.length);
      const mean = mine.reduce((a, d) => a + d.latency.p95, 0) / mine.length;
      assert.ok(Math.abs(value(h.p95)! - mean) < 1e-6, `${s.key}: avg p95 ${value(h.p95)} = ${mean}`);
    }
    assert.ok(hours.slice(1).some((h) => value(h.f50) !== null && value(h.f90)! >= value(h.f50)!), `${s.key}: forecast band once warmed up`);
  }
  const checkout = buckets(svc.find((b) => b.key === 'checkout')!.t);
  assert.ok(value(checkout.at(-1)!.p95)! > 1.5 * value(checkout[0]!.p95)!, 'the leak shows: checkout p95 climbs');
});

test('actions over time by kind and status: terms equal the replay report', async () => {
  const res = await es.search({ index: idx('actions'), size: 0, aggs: { status: { terms: { field: 'status' } }, kind: { terms: { field: 'kind' } }, guardrail: { terms: { field: 'guardrail' } }, t: { date_histogram: { field: '@timestamp', fixed_interval: '30m' } } } });
  const want = new Map<string, number>();
  for (const a of report.actions) want.set(a.status, (want.get(a.status) ?? 0) + 1);
  const got = new Map(buckets(res.aggregations!.status).map((b) => [String(b.key), b.doc_count]));
  assert.ok(got.size > 0);
  assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
  const suppressed = report.actions.filter((a) => a.status === 'suppressed').length;
  const guardrails = buckets(res.aggregations!.guardrail).reduce((n, b) => n + b.doc_count, 0);
  assert.equal(guardrails, report.actions.filter((a) => a.guardrail).length, `guardrail terms (${suppressed} suppressed)`);
  assert.ok(buckets(res.aggregations!.t).some((b) => b.doc_count > 0));
});

test('replicas per service: max of replicas.to equals the largest scale-out in the report', async () => {
  const res = await es.search({ index: idx('actions'), size: 0, aggs: { svc: { terms: { field: 'service.name' }, aggs: { to: { max: { field: 'replicas.to' } }, from: { min: { field: 'replicas.from' } } } } } });
  const want = new Map<string, number>();
  for (const a of report.actions) if (a.params.toReplicas !== undefined) want.set(a.service, Math.max(want.get(a.service) ?? 0, a.params.toReplicas));
  assert.ok(want.size > 0, 'the replay scaled something');
  for (const b of buckets(res.aggregations!.svc)) {
    if (want.has(String(b.key))) assert.equal(value(b.to), want.get(String(b.key)), `${b.key}: max replicas.to`);
  }
  assert.ok(buckets(res.aggregations!.svc).some((b) => value(b.to) !== null));
});

test('predicted breaches by service with lead time in seconds', async () => {
  const res = await es.search({ index: idx('detections'), size: 0, query: { term: { kind: 'predicted_breach' } }, aggs: { svc: { terms: { field: 'service.name' }, aggs: { lead: { avg: { field: 'breach.lead_time_s' } }, fc: { terms: { field: 'forecast.forecaster' } } } } } });
  const breaches = report.detections.filter((d) => d.kind === 'predicted_breach');
  assert.ok(breaches.length > 0);
  for (const b of buckets(res.aggregations!.svc)) {
    const mine = breaches.filter((d) => d.service === b.key);
    assert.equal(b.doc_count, mine.length);
    const lead = mine.reduce((a, d) => a + (d.leadTimeMs ?? 0), 0) / mine.length / 1000;
    assert.ok(Math.abs(value(b.lead)! - lead) < 0.01, `${b.key}: mean lead ${value(b.lead)} s = ${lead} s`);
    assert.ok(buckets(b.fc).length > 0, 'the forecaster is recorded');
  }
});

test('top log templates and the forecaster in use: terms on keyword fields, nested counts', async () => {
  const res = await es.search({
    index: idx('metrics'), size: 10_000, query: { term: { 'event.dataset': 'foresight.metrics' } },
    aggs: { tpl: { terms: { field: 'templates', size: 5 } }, fc: { terms: { field: 'forecast.forecaster' } }, nested: { nested: { path: 'topTemplates' }, aggs: { text: { terms: { field: 'topTemplates.text', size: 1 }, aggs: { lines: { sum: { field: 'topTemplates.count' } } } } } } },
  });
  const tpl = buckets(res.aggregations!.tpl);
  assert.ok(tpl.length > 0);
  const docs = res.hits.hits.map((h) => h._source as { topTemplates: Array<{ text: string; count: number }> });
  const top = tpl[0]!;
  assert.equal(top.doc_count, docs.filter((d) => d.topTemplates.some((t) => t.text === top.key)).length, `windows in which "${top.key}" was a top template`);
  const n = buckets((res.aggregations!.nested as Record<string, unknown>).text)[0]!;
  const lines = docs.flatMap((d) => d.topTemplates).filter((t) => t.text === n.key).reduce((a, t) => a + t.count, 0);
  assert.equal(value(n.lines), lines, 'nested sum of a template\'s lines');
  assert.ok(buckets(res.aggregations!.fc).length > 0, 'forecasters in use');
});

test('templates index: one document per service, template and window, counts as the metric documents say, first seen fixed; detections and actions name template ids in it', async () => {
  // Every template a metric document lists among its top ones has its window's document, with the same count.
  const metrics = await es.search({ index: idx('metrics'), size: 10_000, query: { term: { 'event.dataset': 'foresight.metrics' } }, _source: ['service', 'windowStart', 'topTemplates'] });
  const mdocs = metrics.hits.hits.map((h) => h._source as { service: { name: string }; windowStart: number; topTemplates: Array<{ id: string; count: number }> });
  const want = mdocs.flatMap((d) => d.topTemplates.map((t) => ({ id: `${d.service.name}@${t.id}@${d.windowStart}`, count: t.count })));
  assert.ok(want.length > 500, `top templates in metric documents: ${want.length}`);
  const got = await es.mget<{ count: number; template: { id: string } }>({ index: idx('templates'), ids: want.map((w) => w.id) });
  const missing = got.docs.filter((d) => !('found' in d) || !d.found);
  assert.equal(missing.length, 0, `template documents missing: ${missing.slice(0, 3).map((d) => d._id).join(', ')}`);
  got.docs.forEach((d, i) => assert.equal((d as { _source: { count: number } })._source.count, want[i]!.count, want[i]!.id));

  // first_seen is the same in every window of a service's template: the first window it appeared in.
  const res = await es.search({
    index: idx('templates'), size: 0, query: { term: { 'event.dataset': 'foresight.templates' } },
    aggs: { svc: { terms: { field: 'service.name', size: 10 }, aggs: { tpl: { terms: { field: 'template.id', size: 500 }, aggs: { first: { min: { field: '@timestamp' } }, fsMin: { min: { field: 'template.first_seen' } }, fsMax: { max: { field: 'template.first_seen' } }, lines: { sum: { field: 'count' } } } } } } },
  });
  const svc = buckets(res.aggregations!.svc);
  assert.deepEqual(svc.map((b) => b.key).sort(), ['checkout', 'orders', 'payments', 'zz-sentinel']);
  const known = new Map<string, Set<string>>();
  for (const s of svc) {
    const tpls = buckets(s.tpl);
    known.set(String(s.key), new Set(tpls.map((t) => String(t.key))));
    for (const t of tpls) {
      assert.equal(value(t.fsMin), value(t.fsMax), `${s.key}/${t.key}: one first_seen`);
      assert.equal(value(t.fsMin), value(t.first), `${s.key}/${t.key}: first_seen is its first window`);
    }
  }
  assert.ok(known.get('checkout')!.size >= 3, `checkout logs several templates: ${[...known.get('checkout')!].join(', ')}`);

  // The text is searchable as words, not only as a whole keyword.
  const word = await es.search({ index: idx('templates'), size: 1, query: { match: { 'template.text.search': 'heap' } } });
  const hitText = (word.hits.hits[0]?._source as { template: { text: string } } | undefined)?.template.text ?? '';
  assert.match(hitText, /heap/i, 'a search for a word finds the templates that say it');

  // Predicted breaches name their service's templates, and the actions they cause carry the same ids.
  const det = await es.search({ index: idx('detections'), size: 1000, query: { term: { kind: 'predicted_breach' } }, _source: ['id', 'service', 'templateIds'] });
  const dets = det.hits.hits.map((h) => h._source as { id: string; service: { name: string }; templateIds?: string[] });
  assert.ok(dets.length > 0 && dets.every((d) => (d.templateIds?.length ?? 0) > 0), 'every predicted breach names templates');
  for (const d of dets) for (const id of d.templateIds!) assert.ok(known.get(d.service.name)!.has(id), `${d.id}: ${id} is in the templates index for ${d.service.name}`);
  const byTemplate = await es.search({ index: idx('detections'), size: 0, query: { term: { templateIds: dets[0]!.templateIds![0]! } } });
  assert.ok((byTemplate.hits.total as { value: number }).value > 0, 'detections are found by template id');
  const act = await es.search({ index: idx('actions'), size: 1000, query: { term: { 'reason.detectionKind': 'predicted_breach' } }, _source: ['reason'] });
  const acts = act.hits.hits.map((h) => h._source as { reason: { detectionId: string; templateIds?: string[] } });
  assert.ok(acts.length > 0, 'actions from predicted breaches');
  const detIds = new Map(dets.map((d) => [d.id, d.templateIds]));
  for (const a of acts) if (detIds.has(a.reason.detectionId)) assert.deepEqual(a.reason.templateIds, detIds.get(a.reason.detectionId), `action of ${a.reason.detectionId}`);
});

test('dead letters by reason', async () => {
  const res = await es.search({ index: idx('metrics'), size: 0, query: { term: { 'event.dataset': 'foresight.deadletters' } }, aggs: { r: { terms: { field: 'deadletter.reason' } } } });
  const got = Object.fromEntries(buckets(res.aggregations!.r).map((b) => [b.key, b.doc_count]));
  assert.deepEqual(got, report.deadLetters.byReason);
  assert.equal(report.deadLetters.total, 2);
});
