import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { indexName, MAPPINGS, RECORD_KINDS, type RecordKind } from '../../../remediator/store/elasticsearch/templates.ts';
import { DASHBOARD_IDS } from '../../../dashboards/kibana/objects.ts';

// dashboards/kibana/foresight.ndjson as Kibana's saved-objects import API takes it. Kibana
// itself is not installable here, so this checks what the import and the visualizations
// rely on: one object per line with the required attributes, references that resolve, and
// every aggregated or queried field mapped in the index templates with an aggregatable type.
const FILE = new URL('../../../dashboards/kibana/foresight.ndjson', import.meta.url);
const text = readFileSync(FILE, 'utf8');

interface Obj { type: string; id: string; attributes: Record<string, unknown>; references: Array<{ name: string; type: string; id: string }> }
const objects: Obj[] = text.trimEnd().split('\n').map((line, i) => {
  const o = JSON.parse(line) as Obj;
  assert.equal(typeof o, 'object', `line ${i + 1} is a JSON object`);
  return o;
});
const byId = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));

interface Mapping { type?: string; properties?: Record<string, Mapping> }
function fieldType(kind: RecordKind, path: string): string | undefined {
  let props: Record<string, Mapping> | undefined = MAPPINGS[kind] as Record<string, Mapping>;
  let m: Mapping | undefined;
  for (const part of path.split('.')) { m = props?.[part]; props = m?.properties; }
  return m?.type;
}
const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float']);
const AGGREGATABLE = new Set([...NUMERIC, 'keyword', 'date', 'boolean', 'ip']);

/** The record kind a data view reads, from its title (`<prefix>-<kind>-v2[-replay|*]`). */
function kindOf(view: Obj): RecordKind {
  const kind = RECORD_KINDS.find((k) => String(view.attributes.title).startsWith(indexName('foresight', k, false)));
  assert.ok(kind, `data view ${view.id} reads a Foresight index (${String(view.attributes.title)})`);
  return kind;
}

test('NDJSON the import API accepts: one object per line, unique ids, known types, required attributes', () => {
  assert.ok(text.endsWith('\n') && !text.includes('\n\n'), 'newline-terminated lines, no blank ones');
  assert.equal(byId.size, objects.length, 'type:id unique');
  for (const o of objects) {
    assert.ok(['index-pattern', 'visualization', 'dashboard'].includes(o.type), `${o.id}: type ${o.type}`);
    assert.match(o.id, /^[a-z0-9-]+$/);
    assert.ok(Array.isArray(o.references), `${o.id}: references`);
    for (const r of o.references) assert.deepEqual(Object.keys(r).sort(), ['id', 'name', 'type']);
    assert.equal(typeof o.attributes.title, 'string', `${o.id}: title`);
    if (o.type === 'index-pattern') assert.equal(o.attributes.timeFieldName, '@timestamp');
    if (o.type === 'visualization') {
      const vis = JSON.parse(String(o.attributes.visState)) as { type: string; aggs: unknown[] };
      assert.ok(['line', 'histogram', 'table', 'pie'].includes(vis.type) && vis.aggs.length > 0, `${o.id}: visState`);
    }
    if (o.type === 'dashboard') assert.ok(Array.isArray(JSON.parse(String(o.attributes.panelsJSON))), `${o.id}: panelsJSON`);
    if (o.type !== 'index-pattern') JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON);
  }
});

test('data views for the four record kinds, live and replay, titled as the store names its indices', () => {
  const titles = objects.filter((o) => o.type === 'index-pattern').map((o) => String(o.attributes.title));
  for (const kind of RECORD_KINDS) {
    for (const replay of [false, true]) assert.ok(titles.includes(indexName('foresight', kind, replay)), `${indexName('foresight', kind, replay)}`);
  }
});

test('references resolve: panels to visualizations, visualizations to data views', () => {
  for (const o of objects) {
    for (const r of o.references) assert.ok(byId.has(`${r.type}:${r.id}`), `${o.id} → ${r.type}:${r.id}`);
    if (o.type === 'visualization') {
      const src = JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { indexRefName: string };
      assert.ok(o.references.some((r) => r.name === src.indexRefName && r.type === 'index-pattern'), `${o.id}: ${src.indexRefName}`);
    }
    if (o.type === 'dashboard') {
      const panels = JSON.parse(String(o.attributes.panelsJSON)) as Array<{ panelIndex: string; panelRefName: string }>;
      assert.ok(panels.length > 0);
      for (const p of panels) assert.ok(o.references.some((r) => r.name === `${p.panelIndex}:${p.panelRefName}`), `${o.id}: panel ${p.panelIndex}`);
    }
  }
  for (const id of DASHBOARD_IDS) assert.ok(byId.has(`dashboard:${id}`));
  assert.equal(byId.get('dashboard:foresight-overview')?.attributes.title, 'Foresight overview');
});

test('every field a visualization aggregates or queries exists in the index templates with an aggregatable type', () => {
  let checked = 0;
  for (const o of objects.filter((x) => x.type === 'visualization')) {
    const view = byId.get(`index-pattern:${o.references[0]!.id}`)!;
    const kind = kindOf(view);
    const vis = JSON.parse(String(o.attributes.visState)) as { aggs: Array<{ type: string; params: { field?: string } }> };
    for (const a of vis.aggs) {
      if (!a.params.field) { assert.equal(a.type, 'count', `${o.id}: only count has no field`); continue; }
      const t = fieldType(kind, a.params.field);
      assert.ok(t && AGGREGATABLE.has(t), `${o.id}: ${kind}.${a.params.field} is ${t}`);
      if (['avg', 'max', 'min', 'sum'].includes(a.type)) assert.ok(NUMERIC.has(t), `${o.id}: ${a.type} of ${a.params.field} needs a number, is ${t}`);
      if (a.type === 'date_histogram') assert.equal(t, 'date');
      if (a.type === 'terms') assert.ok(t === 'keyword' || t === 'boolean' || NUMERIC.has(t), `${o.id}: terms on ${a.params.field} (${t})`);
      checked++;
    }
    const src = JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { query: { query: string } };
    for (const m of src.query.query.matchAll(/([\w.@]+)\s*:/g)) {
      const t = fieldType(kind, m[1]!);
      assert.ok(t && AGGREGATABLE.has(t), `${o.id}: query field ${kind}.${m[1]} is ${t}`);
      checked++;
    }
  }
  assert.ok(checked > 40, `${checked} field uses checked`);
});
