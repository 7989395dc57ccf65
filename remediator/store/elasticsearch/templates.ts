/**
 * Index layout. Plain index templates and plain indices only: the test distribution has no
 * data streams, ILM or painless, and the same layout works unchanged on a full cluster (a
 * user who wants rollover can point an ILM policy at the same patterns).
 *
 *   <prefix>-actions      one document per actionId, its latest state
 *   <prefix>-detections   one document per detection id
 *   <prefix>-metrics      one document per service and window
 *   <prefix>-*-replay     the same for `foresight replay`, kept apart so a replay never
 *                         overwrites what the daemon actually did (ids are equal by design)
 *
 * Every document carries `@timestamp` (event time) and ECS `event.dataset`/`event.kind`.
 * Large free-form parts (forecast paths, evidence, params) are stored but not indexed, so
 * they can never explode the mapping.
 */
export type RecordKind = 'actions' | 'detections' | 'metrics';
export const RECORD_KINDS: readonly RecordKind[] = ['actions', 'detections', 'metrics'];

export function indexName(prefix: string, kind: RecordKind, replay: boolean): string {
  return `${prefix}-${kind}${replay ? '-replay' : ''}`;
}

const keyword = { type: 'keyword' } as const;
const date = { type: 'date' } as const;
const float = { type: 'float' } as const;
const long = { type: 'long' } as const;
const bool = { type: 'boolean' } as const;
const stored = { type: 'object', enabled: false } as const;
const event = { properties: { dataset: keyword, kind: keyword } } as const;
const daemon = { properties: { instance: keyword, version: keyword, configHash: keyword } } as const;

const MAPPINGS: Record<RecordKind, Record<string, unknown>> = {
  actions: {
    '@timestamp': date, event, actionId: keyword, service: keyword, kind: keyword, target: keyword,
    mode: keyword, status: keyword, guardrail: keyword, actuator: keyword, result: { type: 'text' },
    rollbackOf: keyword, replay: bool, params: stored, daemon,
    reason: { properties: { detectionId: keyword, detectionKind: keyword, score: float, leadTimeMs: long, evidence: { type: 'text' } } },
    verification: { properties: { checkedAt: date, ok: bool, detail: { type: 'text' } } },
  },
  detections: {
    '@timestamp': date, event, id: keyword, service: keyword, metric: keyword, kind: keyword, at: date,
    score: float, threshold: float, predictedBreachAt: date, leadTimeMs: long, modelVersion: keyword,
    replay: bool, forecast: stored, evidence: stored,
  },
  metrics: {
    '@timestamp': date, event, service: keyword, windowStart: date, windowMs: long, count: long, errors: long,
    errorRate: float, latencyCount: long,
    latency: { properties: { p50: float, p95: float, p99: float, max: float, mean: float } },
    levels: { type: 'object', dynamic: true }, topTemplates: stored,
  },
};

export interface IndexTemplate {
  name: string;
  index_patterns: string[];
  priority: number;
  template: { settings: Record<string, unknown>; mappings: Record<string, unknown> };
  _meta: Record<string, unknown>;
}

export function indexTemplates(prefix: string): IndexTemplate[] {
  return RECORD_KINDS.map((kind) => ({
    name: `${prefix}-${kind}`,
    index_patterns: [`${prefix}-${kind}*`],
    // Above the built-in templates' 100 so ours wins for our names.
    priority: 200,
    template: {
      settings: { number_of_shards: 1, 'index.mapping.total_fields.limit': 2000 },
      mappings: { dynamic: true, properties: MAPPINGS[kind] },
    },
    _meta: { managed_by: 'foresight', kind },
  }));
}
