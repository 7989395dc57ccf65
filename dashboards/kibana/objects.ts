/**
 * The Kibana saved objects of dashboards/kibana/foresight.ndjson, as code: data views for
 * the four record kinds (live, replay, and both), aggregation-based visualizations and two
 * dashboards. `node --import tsx scripts/kibana-objects.ts` writes the NDJSON from here;
 * `foresight dashboards export` writes it from a Kibana where someone edited them. Either
 * way test/unit/dashboards/kibana.test.ts checks the file: shape, references, and that
 * every field a visualization aggregates on is mapped with an aggregatable type.
 */
import { indexName, type RecordKind } from '../../remediator/store/elasticsearch/templates.ts';

export interface SavedObject {
  type: 'index-pattern' | 'visualization' | 'dashboard';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
}

type View = 'live' | 'replay' | 'both';

export function dataViewId(kind: RecordKind, view: View): string {
  return `foresight-${kind}${view === 'live' ? '' : view === 'replay' ? '-replay' : '-all'}`;
}

function dataViewTitle(prefix: string, kind: RecordKind, view: View): string {
  return view === 'both' ? `${indexName(prefix, kind, false)}*` : indexName(prefix, kind, view === 'replay');
}

const VIEW_NAME: Record<View, string> = { live: '', replay: ' (replay)', both: ' (live and replay)' };

function dataViews(prefix: string): SavedObject[] {
  const out: SavedObject[] = [];
  for (const kind of ['metrics', 'detections', 'actions', 'templates'] as const) {
    for (const view of ['live', 'replay', 'both'] as const) {
      out.push({
        type: 'index-pattern', id: dataViewId(kind, view),
        attributes: { title: dataViewTitle(prefix, kind, view), name: `Foresight ${kind}${VIEW_NAME[view]}`, timeFieldName: '@timestamp' },
        references: [],
      });
    }
  }
  return out;
}

interface Agg {
  id: string;
  enabled: true;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

const metric = (id: string, type: 'count' | 'avg' | 'max' | 'min' | 'sum', field?: string, label?: string): Agg => ({
  id, enabled: true, type, schema: 'metric', params: { ...(field ? { field } : {}), ...(label ? { customLabel: label } : {}) },
});
const timeAxis = (id: string): Agg => ({ id, enabled: true, type: 'date_histogram', schema: 'segment', params: { field: '@timestamp', interval: 'auto', min_doc_count: 1, extended_bounds: {} } });
const split = (id: string, field: string, size = 10, schema: 'group' | 'bucket' | 'split' | 'segment' = 'group'): Agg => ({
  id, enabled: true, type: 'terms', schema, params: { field, size, order: 'desc', orderBy: '1', otherBucket: false, missingBucket: false, ...(schema === 'split' ? { row: true } : {}) },
});

/** The params of Kibana's aggregation-based XY charts (line, histogram). */
function xyParams(kind: 'line' | 'histogram', metrics: Agg[], stacked = false): Record<string, unknown> {
  return {
    type: kind, addTooltip: true, addLegend: true, legendPosition: 'right', addTimeMarker: false, times: [],
    grid: { categoryLines: false }, thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
    categoryAxes: [{ id: 'CategoryAxis-1', type: 'category', position: 'bottom', show: true, style: {}, scale: { type: 'linear' }, labels: { show: true, filter: true, truncate: 100 }, title: {} }],
    valueAxes: [{ id: 'ValueAxis-1', name: 'LeftAxis-1', type: 'value', position: 'left', show: true, style: {}, scale: { type: 'linear', mode: 'normal' }, labels: { show: true, rotate: 0, filter: false, truncate: 100 }, title: { text: '' } }],
    seriesParams: metrics.map((m) => ({
      show: true, type: kind, mode: stacked ? 'stacked' : 'normal', data: { id: m.id, label: String(m.params.customLabel ?? m.type) },
      valueAxis: 'ValueAxis-1', drawLinesBetweenPoints: true, lineWidth: 2, showCircles: kind === 'line', interpolate: kind === 'line' ? 'linear' : undefined,
    })),
  };
}

interface VisSpec {
  id: string;
  title: string;
  description: string;
  view: [RecordKind, View];
  /** KQL over the data view. */
  query: string;
  vis: 'line' | 'histogram' | 'table' | 'pie';
  aggs: Agg[];
  stacked?: boolean;
}

function visualization(v: VisSpec): SavedObject {
  const metrics = v.aggs.filter((a) => a.schema === 'metric');
  let params: Record<string, unknown>;
  if (v.vis === 'table') params = { perPage: 10, showPartialRows: false, showMetricsAtAllLevels: false, showTotal: false, totalFunc: 'sum', percentageCol: '' };
  else if (v.vis === 'pie') params = { type: 'pie', addTooltip: true, addLegend: true, legendPosition: 'right', isDonut: true, labels: { show: true, values: true, last_level: true, truncate: 100 } };
  else params = xyParams(v.vis, metrics, v.stacked);
  return {
    type: 'visualization', id: v.id,
    attributes: {
      title: v.title, description: v.description, uiStateJSON: '{}', version: 1,
      visState: JSON.stringify({ title: v.title, type: v.vis, aggs: v.aggs, params }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: v.query, language: 'kuery' }, filter: [], indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' }) },
    },
    references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: dataViewId(...v.view) }],
  };
}

const OVERVIEW: VisSpec[] = [
  {
    id: 'foresight-p95-vs-slo', title: 'p95 vs SLO per service, with forecast band', vis: 'line', view: ['metrics', 'live'],
    description: 'p95 latency per window, the SLO, and the published forecast at the horizon (p10, p50, p90).',
    query: 'event.dataset : "foresight.metrics"',
    aggs: [metric('1', 'avg', 'latency.p95', 'p95 ms'), metric('2', 'max', 'slo.p95_ms', 'SLO ms'), metric('3', 'avg', 'forecast.p50', 'forecast p50'), metric('4', 'avg', 'forecast.p10', 'forecast p10'), metric('5', 'avg', 'forecast.p90', 'forecast p90'), timeAxis('6'), split('7', 'service.name', 20)],
  },
  {
    id: 'foresight-breaches', title: 'Predicted breaches over time by service', vis: 'histogram', stacked: true, view: ['detections', 'live'],
    description: 'predicted_breach detections per service.', query: 'kind : "predicted_breach"',
    aggs: [metric('1', 'count', undefined, 'predicted breaches'), timeAxis('2'), split('3', 'service.name', 20)],
  },
  {
    id: 'foresight-lead-time', title: 'Lead time of predicted breaches (s)', vis: 'table', view: ['detections', 'live'],
    description: 'How long before the predicted breach each service was warned.', query: 'kind : "predicted_breach"',
    aggs: [metric('1', 'count', undefined, 'breaches'), metric('2', 'avg', 'breach.lead_time_s', 'mean lead s'), metric('4', 'min', 'breach.lead_time_s', 'min lead s'), split('3', 'service.name', 50, 'bucket')],
  },
  {
    id: 'foresight-actions', title: 'Actions over time by kind and status', vis: 'histogram', stacked: true, view: ['actions', 'live'],
    description: 'Actions by status (planned, executed, suppressed, verified, rolled_back, failed), one chart per kind.', query: '',
    aggs: [metric('1', 'count', undefined, 'actions'), timeAxis('2'), split('3', 'status', 10), split('4', 'kind', 5, 'split')],
  },
  {
    id: 'foresight-suppressed', title: 'Suppressed actions: which guardrail', vis: 'table', view: ['actions', 'live'],
    description: 'Why actions were not carried out.', query: 'status : "suppressed"',
    aggs: [metric('1', 'count', undefined, 'suppressed'), split('2', 'guardrail', 20, 'bucket'), split('3', 'service.name', 20, 'bucket')],
  },
  {
    id: 'foresight-replicas', title: 'Replicas per service', vis: 'line', view: ['actions', 'live'],
    description: 'Replica count each scale action moved to.', query: 'replicas.to : *',
    aggs: [metric('1', 'max', 'replicas.to', 'replicas'), timeAxis('2'), split('3', 'service.name', 20)],
  },
  {
    id: 'foresight-dead-letters', title: 'Dead letters by reason', vis: 'histogram', stacked: true, view: ['metrics', 'live'],
    description: 'Rejected input lines by reason.', query: 'event.dataset : "foresight.deadletters"',
    aggs: [metric('1', 'count', undefined, 'dead letters'), timeAxis('2'), split('3', 'deadletter.reason', 10)],
  },
  {
    id: 'foresight-forecasters', title: 'Forecaster in use', vis: 'table', view: ['metrics', 'live'],
    description: 'Windows per service and chosen forecaster.', query: 'event.dataset : "foresight.metrics"',
    aggs: [metric('1', 'count', undefined, 'windows'), split('2', 'service.name', 50, 'bucket'), split('3', 'forecast.forecaster', 10, 'bucket')],
  },
  {
    id: 'foresight-templates', title: 'Top log templates', vis: 'table', view: ['templates', 'live'],
    description: 'Lines per service and log template, and those at warn level or above (the templates index).', query: 'event.dataset : "foresight.templates"',
    aggs: [metric('1', 'sum', 'count', 'lines'), metric('4', 'sum', 'warn', 'warn lines'), split('2', 'service.name', 20, 'bucket'), split('3', 'template.text', 20, 'bucket')],
  },
];

const COMPARE: VisSpec[] = [
  {
    id: 'foresight-compare-actions', title: 'Actions: replay vs live, by status', vis: 'table', view: ['actions', 'both'],
    description: 'labels.source tells what the daemon did (live) from what a replay would have done.', query: '',
    aggs: [metric('1', 'count', undefined, 'actions'), split('2', 'labels.source', 2, 'bucket'), split('3', 'kind', 10, 'bucket'), split('4', 'status', 10, 'bucket')],
  },
  {
    id: 'foresight-compare-breaches', title: 'Predicted breaches: replay vs live', vis: 'histogram', view: ['detections', 'both'],
    description: 'predicted_breach detections over time, live and replayed.', query: 'kind : "predicted_breach"',
    aggs: [metric('1', 'count', undefined, 'predicted breaches'), timeAxis('2'), split('3', 'labels.source', 2)],
  },
  {
    id: 'foresight-compare-lead', title: 'Lead time: replay vs live (s)', vis: 'table', view: ['detections', 'both'],
    description: 'Mean lead time per service, live and replayed.', query: 'kind : "predicted_breach"',
    aggs: [metric('1', 'avg', 'breach.lead_time_s', 'mean lead s'), split('2', 'service.name', 50, 'bucket'), split('3', 'labels.source', 2, 'bucket')],
  },
  {
    id: 'foresight-compare-replicas', title: 'Replicas: replay vs live', vis: 'line', view: ['actions', 'both'],
    description: 'Largest replica target over time, live and replayed.', query: 'replicas.to : *',
    aggs: [metric('1', 'max', 'replicas.to', 'replicas'), timeAxis('2'), split('3', 'labels.source', 2)],
  },
  {
    id: 'foresight-compare-p95', title: 'p95: replay vs live', vis: 'line', view: ['metrics', 'both'],
    description: 'Mean p95 across services, live and replayed.', query: 'event.dataset : "foresight.metrics"',
    aggs: [metric('1', 'avg', 'latency.p95', 'p95 ms'), timeAxis('2'), split('3', 'labels.source', 2)],
  },
];

function dashboard(id: string, title: string, description: string, panels: VisSpec[]): SavedObject {
  const grid = panels.map((p, i) => {
    const n = String(i + 1);
    const wide = p.vis === 'line' || p.vis === 'histogram';
    return { version: '8.8.0', type: 'visualization', panelIndex: n, panelRefName: `panel_${n}`, embeddableConfig: {}, gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: wide ? 15 : 12, i: n } };
  });
  return {
    type: 'dashboard', id,
    attributes: {
      title, description, version: 1, timeRestore: true, timeFrom: 'now-24h', timeTo: 'now', refreshInterval: { pause: false, value: 30_000 },
      panelsJSON: JSON.stringify(grid), optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, hidePanelTitles: false }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: panels.map((p, i) => ({ name: `${i + 1}:panel_${i + 1}`, type: 'visualization', id: p.id })),
  };
}

export const DASHBOARD_IDS = ['foresight-overview', 'foresight-replay-vs-live'] as const;

export function savedObjects(prefix = 'foresight'): SavedObject[] {
  return [
    ...dataViews(prefix),
    ...OVERVIEW.map(visualization),
    ...COMPARE.map(visualization),
    dashboard('foresight-overview', 'Foresight overview', 'p95 vs SLO with forecasts, predicted breaches and lead time, actions and guardrails, replicas, dead letters, forecasters, log templates.', OVERVIEW),
    dashboard('foresight-replay-vs-live', 'Foresight replay vs live', 'What a replay would have done beside what the daemon did (labels.source).', COMPARE),
  ];
}

export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}
