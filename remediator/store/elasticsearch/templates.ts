/**
 * Index layout, schema version 2 (ECS names, every field a dashboard uses mapped).
 *
 *   <prefix>-actions-v2      one document per actionId, its latest state
 *   <prefix>-detections-v2   one document per detection id
 *   <prefix>-metrics-v2      one document per service and window, and one per dead letter
 *   <prefix>-templates-v2    one document per service, log template and window: its counts
 *                            in that window and when the service first logged it
 *   <prefix>-action-claims-v2  one document per action carried out: which process claimed it
 *                            (create-only, before carrying it out; see store.ts)
 *   <prefix>-*-v2-replay     the same for `foresight replay`, kept apart so a replay never
 *                            overwrites what the daemon actually did (ids are equal by design)
 *
 * The schema version is in the index names, in the templates' `version` and in their
 * `_meta`: a template only shapes indices created after it, so a changed mapping goes to
 * new indices and the indices of an earlier schema (`<prefix>-actions`, v1, where `service`
 * was a keyword rather than ECS `service.name`) keep their own mapping and stay readable;
 * the store still reads past actions from them at start-up (see `legacyIndexName`).
 *
 * Plain indices, not data streams: actions are rewritten by id (a later status replaces an
 * earlier one), which a data stream does not allow, and the reduced test distribution can
 * neither list nor delete data streams. A user who wants rollover points an ILM policy at
 * the same patterns.
 *
 * Every document carries `@timestamp` (event time), `event.dataset`/`event.kind`,
 * `service.name` and `labels.source` (`live` or `replay`, so one Kibana data view over both
 * can split them). Large free-form parts (forecast paths, evidence, params) are stored but
 * not indexed, so they can never explode the mapping.
 */
export type RecordKind = 'actions' | 'detections' | 'metrics' | 'templates';
export const RECORD_KINDS: readonly RecordKind[] = ['actions', 'detections', 'metrics', 'templates'];

/** Bumped whenever a mapping changes incompatibly; part of the index names. */
export const SCHEMA_VERSION = 2;

export function indexName(prefix: string, kind: RecordKind, replay: boolean): string {
  return `${prefix}-${kind}-v${SCHEMA_VERSION}${replay ? '-replay' : ''}`;
}

/**
 * Claims of actions about to be carried out (`RecordStore.claimAction`): one document per
 * actionId, written create-only by the process that carries it out; bookkeeping between the
 * daemons of a group, not a record kind (no template, dashboards do not read it).
 */
export function claimsIndexName(prefix: string): string {
  return `${prefix}-action-claims-v${SCHEMA_VERSION}`;
}

/** Where schema version 1 kept the same records (read at start-up, never written). */
export function legacyIndexName(prefix: string, kind: RecordKind, replay: boolean): string {
  return `${prefix}-${kind}${replay ? '-replay' : ''}`;
}

const keyword = { type: 'keyword' } as const;
const date = { type: 'date' } as const;
const float = { type: 'float' } as const;
const double = { type: 'double' } as const;
const long = { type: 'long' } as const;
const integer = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const text = { type: 'text' } as const;
const stored = { type: 'object', enabled: false } as const;
const service = { properties: { name: keyword } } as const;
const labels = { properties: { source: keyword } } as const;
const daemon = { properties: { instance: keyword, version: keyword, configHash: keyword } } as const;

/**
 * The fields of each record kind. Every field a dashboard or the status page aggregates on
 * is here with an aggregatable type; `test/unit/dashboards` checks the Kibana saved objects
 * against this table.
 */
export const MAPPINGS: Record<RecordKind, Record<string, unknown>> = {
  actions: {
    '@timestamp': date,
    event: { properties: { dataset: keyword, kind: keyword, action: keyword, outcome: keyword } },
    service, labels, actionId: keyword, kind: keyword, target: keyword,
    mode: keyword, status: keyword, guardrail: keyword, actuator: keyword, result: text,
    rollbackOf: keyword, replay: bool, params: stored, daemon, actuation: stored,
    /** Approval mode: when it was asked, until when, and who decided what. */
    approval: { properties: { requestedAt: date, expiresAt: date, decision: keyword, by: keyword, at: date, comment: text } },
    /** From `params`: the replica counts the action moved between. */
    replicas: { properties: { from: integer, to: integer } },
    reason: { properties: { detectionId: keyword, detectionKind: keyword, score: float, leadTimeMs: long, lead_time_s: float, evidence: text, templateIds: keyword } },
    verification: { properties: { checkedAt: date, ok: bool, detail: text } },
  },
  detections: {
    '@timestamp': date,
    event: { properties: { dataset: keyword, kind: keyword, action: keyword } },
    service, labels, id: keyword, metric: keyword, kind: keyword, at: date,
    score: float, threshold: float, predictedBreachAt: date, leadTimeMs: long, modelVersion: keyword,
    replay: bool, evidence: stored,
    /** The log templates the detection names as evidence (ids in the templates index), from `evidence.templateIds`. */
    templateIds: keyword,
    /** The breach the detection predicts: when, and how long before it the detection came. */
    breach: { properties: { predicted_at: date, lead_time_s: float } },
    /** The forecast it was judged on, at its horizon; the whole path stays in `path`. */
    forecast: { properties: { forecaster: keyword, horizon_ms: long, p50: double, p90: double, path: stored } },
  },
  metrics: {
    '@timestamp': date,
    event: { properties: { dataset: keyword, kind: keyword, duration: long } },
    service, labels, windowStart: date, windowMs: long, count: long, errors: long,
    errorRate: float, latencyCount: long, replay: bool,
    latency: { properties: { p50: double, p95: double, p99: double, max: double, mean: double } },
    levels: { properties: { trace: long, debug: long, info: long, warn: long, error: long, fatal: long } },
    slo: { properties: { p95_ms: double } },
    /** The service's published forecast of p95 at the horizon, made at this window's end. */
    forecast: { properties: { forecaster: keyword, horizon_ms: long, p10: double, p50: double, p90: double } },
    /** Nested so a template's id, text and count stay together; `templates` lists the texts flat for terms panels. */
    topTemplates: { type: 'nested', properties: { id: keyword, text: { type: 'keyword', ignore_above: 1024, copy_to: 'templates' }, count: long } },
    templates: { type: 'keyword', ignore_above: 1024 },
    /** Dead letters (`event.dataset: foresight.deadletters`): one document each. */
    deadletter: { properties: { reason: keyword, detail: text, position: keyword, bytes: long, truncated: bool, raw: stored } },
  },
  templates: {
    '@timestamp': date,
    event: { properties: { dataset: keyword, kind: keyword, duration: long } },
    service, labels, windowStart: date, windowMs: long, replay: bool,
    /** The text as a keyword for terms panels and as analysed text (`template.text.search`) for a search box. */
    template: { properties: { id: keyword, text: { type: 'keyword', ignore_above: 1024, fields: { search: text } }, first_seen: date } },
    /** Lines of the template in the window, and of those at warn level or above. */
    count: long, warn: long,
    /** Up to three redacted sample lines. */
    samples: stored,
  },
};

export interface IndexTemplate {
  name: string;
  index_patterns: string[];
  priority: number;
  version: number;
  template: { settings: Record<string, unknown>; mappings: Record<string, unknown> };
  _meta: Record<string, unknown>;
}

export interface TemplateOptions {
  /** Replica shards per index; 0 keeps a single-node cluster green. */
  replicas: number;
}

export function indexTemplates(prefix: string, opts: TemplateOptions = { replicas: 0 }): IndexTemplate[] {
  return RECORD_KINDS.map((kind) => ({
    // The same name as schema 1's template, so installing this one replaces it (two
    // templates of equal priority may not claim overlapping patterns).
    name: `${prefix}-${kind}`,
    index_patterns: [`${prefix}-${kind}-v${SCHEMA_VERSION}*`],
    // Above the built-in templates' 100 so ours wins for our names.
    priority: 200,
    version: SCHEMA_VERSION,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: opts.replicas, 'index.mapping.total_fields.limit': 2000 },
      // Unknown fields are kept in _source but not mapped: nothing a log line carries can
      // add fields (or mapping conflicts) to the index.
      mappings: { dynamic: false, _meta: { schema: SCHEMA_VERSION }, properties: MAPPINGS[kind] },
    },
    _meta: { managed_by: 'foresight', kind, schema: SCHEMA_VERSION },
  }));
}
