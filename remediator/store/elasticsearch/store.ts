/**
 * The Elasticsearch recorder.
 *
 *   putMetrics / putDetections / putActions ──► documents ──► bulk (per-item retry) ──► indices
 *                                                    │ Elasticsearch away
 *                                                    ▼
 *                                         spool (NDJSON, fsync) ──► drained in order when it returns
 *
 * A put resolves once its records are in Elasticsearch or in the spool, both durable, so
 * the daemon may acknowledge its input. While the spool holds anything, new records are
 * appended behind it rather than sent, so the order of versions is kept.
 *
 * Ids and idempotence: detections (`id`) and metric points (`service@windowStart`) never
 * change, so they are written with `op_type: create` and a 409 means "already recorded".
 * An action changes state (planned/executed/suppressed → verified/rolled_back/failed) under
 * one actionId, and the index must hold exactly one document per action with its latest
 * state, even when an older state arrives late (a spool drained after a restart, a batch
 * re-read after a crash). So an action is an `index` of `_id = actionId` with external
 * versioning (`version_type: external_gte`, version = the status's rank): a re-write of the
 * same state is an idempotent overwrite, a later state replaces an earlier one, and an
 * earlier state arriving after a later one is refused with 409, i.e. "already recorded".
 * This needs no scripts, so it works on the reduced test distribution and any cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { ForesightError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import { silentLogger } from '../../../core/log.ts';
import { safeUrl, scrubUrls } from '../../../core/secrets.ts';
import { retry } from '../../../core/retry.ts';
import type { Detection } from '../../../detector/types.ts';
import type { DeadLetter, MetricPoint, SourcePosition } from '../../../ingest/types.ts';
import type { ActionClaim, ActionClaimant, ActionRecord, ActionStatus, MetricRecord, RecordedTemplate, RecordStore } from '../../types.ts';
import { bulkWrite, BulkUnavailable, isUnavailable, type BulkOp } from './bulk.ts';
import type { ElasticsearchStoreConfig } from './config.ts';
import { Spool, writeRejected } from './spool.ts';
import { claimsIndexName, indexName, indexTemplates, legacyIndexName, type RecordKind } from './templates.ts';

/** Later states outrank earlier ones; the first state an action can be recorded in is 1. */
export const STATUS_RANK: Record<ActionStatus, number> = {
  pending: 0, planned: 1, suppressed: 1, executed: 1, failed: 2, verified: 2, rolled_back: 2, rejected: 2, expired: 2,
};

export interface ElasticsearchStoreDeps {
  /** Spool and rejected-records files go here (stores.dir). */
  dir: string;
  /** Replays write to the `-replay` indices. */
  replay?: boolean;
  log?: Logger;
  /** For tests: an existing client. */
  client?: Client;
}

export function clientOptions(cfg: ElasticsearchStoreConfig): ClientOptions {
  const o: ClientOptions = { node: cfg.url, requestTimeout: cfg.requestTimeoutMs, maxRetries: 0 };
  if (cfg.apiKey) o.auth = { apiKey: cfg.apiKey };
  else if (cfg.username && cfg.password) o.auth = { username: cfg.username, password: cfg.password };
  if (cfg.tls) {
    let ca: string | undefined;
    if (cfg.tls.caFile) {
      try { ca = readFileSync(cfg.tls.caFile, 'utf8'); } catch (err) { throw new ForesightError('CONFIG_INVALID', `cannot read ${cfg.tls.caFile}`, { cause: err }); }
    }
    o.tls = { ca, rejectUnauthorized: cfg.tls.rejectUnauthorized };
  }
  return o;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const source = (replay: boolean): { source: string } => ({ source: replay ? 'replay' : 'live' });
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

/** ECS `event.outcome` of an action's status. */
function outcome(status: ActionStatus): 'success' | 'failure' | 'unknown' {
  if (status === 'executed' || status === 'verified') return 'success';
  if (status === 'failed' || status === 'rolled_back') return 'failure';
  return 'unknown';
}

/**
 * The document of an action: the record with ECS `service.name` in place of `service`, and
 * derived fields a dashboard aggregates on (`replicas.from/to` from params, the lead time
 * in seconds). `docToAction` turns it back into the record.
 */
export function actionDoc(r: ActionRecord, replay: boolean): Record<string, unknown> {
  const { service, reason, ...rest } = r;
  const doc: Record<string, unknown> = {
    ...rest,
    service: { name: service },
    reason: reason.leadTimeMs === undefined ? reason : { ...reason, lead_time_s: seconds(reason.leadTimeMs) },
    event: { dataset: 'foresight.actions', kind: 'event', action: r.kind, outcome: outcome(r.status) },
    labels: source(replay),
  };
  const replicas: Record<string, number> = {};
  if (r.params.fromReplicas !== undefined) replicas.from = r.params.fromReplicas;
  if (r.params.toReplicas !== undefined) replicas.to = r.params.toReplicas;
  if (Object.keys(replicas).length > 0) doc.replicas = replicas;
  return doc;
}

export function actionOp(prefix: string, r: ActionRecord, replay: boolean): BulkOp {
  return { index: indexName(prefix, 'actions', replay), id: r.actionId, op: 'index', version: STATUS_RANK[r.status], doc: actionDoc(r, replay) };
}

export function detectionDoc(d: Detection, replay: boolean): Record<string, unknown> {
  const { service, forecast, ...rest } = d;
  const doc: Record<string, unknown> = {
    '@timestamp': iso(d.at), ...rest,
    service: { name: service },
    event: { dataset: 'foresight.detections', kind: 'alert', action: d.kind },
    labels: source(replay),
  };
  const ids = templateIdsOf(d);
  if (ids) doc.templateIds = ids;
  if (d.predictedBreachAt !== undefined || d.leadTimeMs !== undefined) {
    doc.breach = { predicted_at: d.predictedBreachAt === undefined ? undefined : iso(d.predictedBreachAt), lead_time_s: seconds(d.leadTimeMs) };
  }
  if (forecast) {
    doc.forecast = {
      forecaster: forecast.forecaster, horizon_ms: forecast.steps * forecast.stepMs,
      p50: forecast.median.at(-1), p90: forecast.upper.at(-1), path: forecast,
    };
  }
  return doc;
}

/** The detection's template ids, lifted from its evidence so they can be searched. */
function templateIdsOf(d: Detection): string[] | undefined {
  const ids = d.evidence.templateIds;
  return Array.isArray(ids) && ids.every((x) => typeof x === 'string') && ids.length > 0 ? (ids as string[]) : undefined;
}

export function detectionOp(prefix: string, d: Detection, replay: boolean): BulkOp {
  return { index: indexName(prefix, 'detections', replay), id: d.id, op: 'create', doc: detectionDoc(d, replay) };
}

export function metricId(p: Pick<MetricPoint, 'service' | 'windowStart'>): string {
  return `${p.service}@${p.windowStart}`;
}

export function metricDoc(p: MetricRecord, replay: boolean): Record<string, unknown> {
  // Per-template counts and sample lines go to the templates index, not into every metric document.
  const { service, sloP95Ms, forecaster, forecast, templates: _templates, ...point } = p;
  const doc: Record<string, unknown> = {
    '@timestamp': iso(p.windowStart), ...point,
    service: { name: service },
    // ECS durations are nanoseconds.
    event: { dataset: 'foresight.metrics', kind: 'metric', duration: p.windowMs * 1e6 },
    labels: source(replay),
  };
  if (replay) doc.replay = true;
  if (sloP95Ms !== undefined) doc.slo = { p95_ms: sloP95Ms };
  if (forecaster !== undefined || forecast !== undefined) {
    doc.forecast = { forecaster, horizon_ms: forecast?.horizonMs, p10: forecast?.p10, p50: forecast?.p50, p90: forecast?.p90 };
  }
  return doc;
}

export function metricOp(prefix: string, p: MetricRecord, replay: boolean): BulkOp {
  return { index: indexName(prefix, 'metrics', replay), id: metricId(p), op: 'create', doc: metricDoc(p, replay) };
}

/** Id of a template's document for one service and window: written once, so a re-read window is "already recorded". */
export function templateDocId(service: string, templateId: string, windowStart: number): string {
  return `${service}@${templateId}@${windowStart}`;
}

export function templateDoc(p: Pick<MetricRecord, 'service' | 'windowStart' | 'windowMs'>, t: RecordedTemplate, replay: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@timestamp': iso(p.windowStart), windowStart: p.windowStart, windowMs: p.windowMs,
    service: { name: p.service },
    event: { dataset: 'foresight.templates', kind: 'metric', duration: p.windowMs * 1e6 },
    labels: source(replay),
    template: { id: t.id, text: t.text, first_seen: iso(t.firstSeen ?? p.windowStart) },
    count: t.count, warn: t.warn, samples: t.samples,
  };
  if (replay) doc.replay = true;
  return doc;
}

/** One document per template of the window (the window's `templates`, up to ingest.maxWindowTemplates). */
export function templateOps(prefix: string, p: MetricRecord, replay: boolean): BulkOp[] {
  const index = indexName(prefix, 'templates', replay);
  return (p.templates ?? []).map((t) => ({ index, id: templateDocId(p.service, t.id, p.windowStart), op: 'create', doc: templateDoc(p, t, replay) }));
}

/** Where a dead letter came from, as one string: its id (so re-reading it is idempotent) and a searchable keyword. */
export function positionKey(pos: SourcePosition): string {
  switch (pos.kind) {
    case 'kafka': return `kafka:${pos.topic}/${pos.partition}@${pos.offset}`;
    case 'file': return `file:${pos.file}:${pos.line}`;
    case 'stdin': return `stdin:${pos.line}`;
    case 'simulator': return `simulator:${pos.seq}`;
  }
}

/** Raw bytes kept in a dead letter's document (the full input stays in the dead-letter sink). */
const RAW_KEPT = 1024;

export function deadLetterDoc(l: DeadLetter, replay: boolean): Record<string, unknown> {
  return {
    '@timestamp': iso(l.at),
    event: { dataset: 'foresight.deadletters', kind: 'pipeline_error' },
    labels: source(replay),
    deadletter: { reason: l.reason, detail: l.detail, position: positionKey(l.position), bytes: l.rawBytes, truncated: l.truncated, raw: l.raw.slice(0, RAW_KEPT) },
  };
}

export function deadLetterOp(prefix: string, l: DeadLetter, replay: boolean): BulkOp {
  return { index: indexName(prefix, 'metrics', replay), id: `deadletter@${positionKey(l.position)}`, op: 'create', doc: deadLetterDoc(l, replay) };
}

/** The record a document holds, from this schema's documents and from schema 1's (`service` a string). */
export function docToAction(doc: Record<string, unknown>): ActionRecord {
  const { event: _event, labels: _labels, replicas: _replicas, service, reason, ...rest } = doc;
  const name = typeof service === 'object' && service !== null ? (service as { name: string }).name : service;
  let r = reason as Record<string, unknown> | undefined;
  if (r && 'lead_time_s' in r) { const { lead_time_s: _s, ...keep } = r; r = keep; }
  return { ...rest, service: name, reason: r } as unknown as ActionRecord;
}

export class ElasticsearchRecordStore implements RecordStore {
  readonly client: Client;
  readonly stats = { written: 0, existing: 0, rejected: 0, spooled: 0, drained: 0 };
  private readonly cfg: ElasticsearchStoreConfig;
  private readonly replay: boolean;
  private readonly log: Logger;
  private readonly spool: Spool;
  private readonly rejectedPath: string;
  private templatesReady = false;
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Last Elasticsearch failure, for health; cleared by the next success. */
  lastError: string | undefined;

  private constructor(cfg: ElasticsearchStoreConfig, deps: ElasticsearchStoreDeps) {
    this.cfg = cfg;
    this.replay = deps.replay ?? false;
    this.log = deps.log ?? silentLogger;
    this.client = deps.client ?? new Client(clientOptions(cfg));
    const tag = `${cfg.indexPrefix}${this.replay ? '-replay' : ''}`;
    this.spool = new Spool(join(deps.dir, `es-spool-${tag}.ndjson`));
    this.rejectedPath = join(deps.dir, `es-rejected-${tag}.ndjson`);
  }

  static async open(cfg: ElasticsearchStoreConfig, deps: ElasticsearchStoreDeps): Promise<ElasticsearchRecordStore> {
    const s = new ElasticsearchRecordStore(cfg, deps);
    await s.spool.open();
    if (s.spool.size > 0) s.log.warn({ spool: s.spool.path, records: s.spool.size }, 'records spooled by an earlier run; sending them first');
    await s.enqueue(async () => {
      try {
        await s.ensureTemplates();
      } catch (err) {
        if (!isUnavailable(err) && !(err instanceof ForesightError && err.retriable)) throw err;
        s.down(err);
      }
    });
    s.timer = setInterval(() => { if (s.spool.size > 0) void s.enqueue(() => s.drain()).catch(() => undefined); }, cfg.spoolRetryMs);
    s.timer.unref();
    return s;
  }

  get spooled(): number { return this.spool.size; }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private down(err: unknown): void {
    const msg = (err as Error).message;
    if (this.lastError === undefined) this.log.warn({ err: msg, spool: this.spool.path }, 'Elasticsearch unavailable: spooling records to disk');
    this.lastError = msg;
  }

  private async ensureTemplates(): Promise<void> {
    if (this.templatesReady) return;
    try {
      for (const t of indexTemplates(this.cfg.indexPrefix, { replicas: this.cfg.replicas })) {
        await this.client.indices.putIndexTemplate({ name: t.name, index_patterns: t.index_patterns, priority: t.priority, version: t.version, template: t.template, _meta: t._meta });
      }
    } catch (err) {
      if (isUnavailable(err)) throw new ForesightError('SINK_UNAVAILABLE', `Elasticsearch at ${safeUrl(this.cfg.url)} unavailable: ${scrubUrls((err as Error).message)}`, { retriable: true, cause: err });
      throw new ForesightError('SINK_UNAVAILABLE', `cannot install index templates: ${(err as Error).message}`, { cause: err });
    }
    this.templatesReady = true;
  }

  /** Sends ops; throws BulkUnavailable (with what is unsent) when Elasticsearch is away. */
  private async send(ops: BulkOp[]): Promise<void> {
    try {
      await this.ensureTemplates();
    } catch (err) {
      if (err instanceof ForesightError && err.retriable) throw new BulkUnavailable(err.message, ops, err);
      throw err;
    }
    for (let i = 0; i < ops.length; i += this.cfg.bulkMaxDocs) {
      const chunk = ops.slice(i, i + this.cfg.bulkMaxDocs);
      let r;
      try {
        r = await bulkWrite(this.client, chunk, { retries: this.cfg.retries });
      } catch (err) {
        if (err instanceof BulkUnavailable) throw new BulkUnavailable(err.message, [...err.pending, ...ops.slice(i + chunk.length)], err);
        throw err;
      }
      this.stats.written += r.written;
      this.stats.existing += r.existing;
      if (r.rejected.length > 0) {
        this.stats.rejected += r.rejected.length;
        this.log.error({ rejected: r.rejected.length, first: r.rejected[0]?.error, file: this.rejectedPath }, 'Elasticsearch rejected records; kept in the rejected file');
        await writeRejected(this.rejectedPath, r.rejected);
      }
    }
    if (this.lastError !== undefined) this.log.info({}, 'Elasticsearch reachable again');
    this.lastError = undefined;
  }

  /** Sends the spool in order; whatever cannot be sent stays, in order, for the next try. */
  private async drain(): Promise<void> {
    if (this.spool.size === 0) return;
    const ops = await this.spool.read();
    try {
      await this.send(ops);
      this.stats.drained += ops.length;
      this.log.info({ records: ops.length }, 'spool drained into Elasticsearch');
      await this.spool.replace([]);
    } catch (err) {
      if (!(err instanceof BulkUnavailable)) throw err;
      this.down(err);
      // Items already sent are not re-sent next time (re-sending would be harmless anyway);
      // `pending` keeps the unsent ones in their original order.
      if (err.pending.length < ops.length) await this.spool.replace(err.pending);
    }
  }

  private write(ops: BulkOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new ForesightError('SINK_UNAVAILABLE', 'Elasticsearch store is closed'));
    if (ops.length === 0) return Promise.resolve();
    return this.enqueue(async () => {
      // Behind a non-empty spool: append, so versions of one action are never reordered.
      if (this.spool.size > 0) { await this.spool.append(ops); this.stats.spooled += ops.length; return; }
      try {
        await this.send(ops);
      } catch (err) {
        if (!(err instanceof BulkUnavailable)) throw err;
        this.down(err);
        await this.spool.append(err.pending);
        this.stats.spooled += err.pending.length;
      }
    });
  }

  putActions(records: ActionRecord[]): Promise<void> {
    return this.write(records.map((r) => actionOp(this.cfg.indexPrefix, r, this.replay)));
  }

  putDetections(records: Detection[]): Promise<void> {
    return this.write(records.map((d) => detectionOp(this.cfg.indexPrefix, d, this.replay)));
  }

  /** A window's metric document, then one document per template it logged (the templates index). */
  putMetrics(points: MetricRecord[]): Promise<void> {
    return this.write(points.flatMap((p) => [metricOp(this.cfg.indexPrefix, p, this.replay), ...templateOps(this.cfg.indexPrefix, p, this.replay)]));
  }

  putDeadLetters(letters: DeadLetter[]): Promise<void> {
    return this.write(letters.map((l) => deadLetterOp(this.cfg.indexPrefix, l, this.replay)));
  }

  /**
   * Latest state of every action: the index, overlaid with the spool (records not yet
   * sent are newer than what the index holds, or equal). Throws when Elasticsearch stays
   * unreachable: starting without the record of past actions could repeat them.
   */
  async readActions(): Promise<ActionRecord[]> {
    await this.tail;
    const index = indexName(this.cfg.indexPrefix, 'actions', this.replay);
    // Schema 1's index too: a daemon upgraded over its own history still adopts past actions.
    const indices = [legacyIndexName(this.cfg.indexPrefix, 'actions', this.replay), index];
    const latest = new Map<string, ActionRecord>();
    const adopt = (r: ActionRecord): void => {
      const have = latest.get(r.actionId);
      if (!have || STATUS_RANK[r.status] >= STATUS_RANK[have.status]) latest.set(r.actionId, r);
    };
    await retry(async () => {
      try {
        latest.clear();
        // What another instance wrote a moment ago (it held these services until a
        // rebalance) must be adopted, not carried out again: make it searchable first.
        await this.client.indices.refresh({ index: indices, ignore_unavailable: true, allow_no_indices: true }, { ignore: [404] });
        let res = await this.client.search<Record<string, unknown>>({ index: indices, ignore_unavailable: true, allow_no_indices: true, scroll: '30s', size: 1000, sort: ['_doc'], query: { match_all: {} } }, { ignore: [404] });
        const scrolls: string[] = [];
        for (;;) {
          if (res._scroll_id) scrolls.push(res._scroll_id);
          const hits = res.hits?.hits ?? [];
          for (const h of hits) if (h._source) adopt(docToAction(h._source));
          if (hits.length === 0 || !res._scroll_id) break;
          res = await this.client.scroll<Record<string, unknown>>({ scroll_id: res._scroll_id, scroll: '30s' });
        }
        if (scrolls.length) await this.client.clearScroll({ scroll_id: [...new Set(scrolls)] }).catch(() => undefined);
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `cannot read actions from ${index}: ${(err as Error).message}`, { retriable: isUnavailable(err), cause: err });
      }
    }, { retries: this.cfg.retries + 3, initialMs: 500, maxMs: 5000 });
    for (const op of await this.spool.read()) {
      if (indices.includes(op.index)) adopt(docToAction(op.doc));
    }
    return [...latest.values()];
  }

  /**
   * A create-only document keyed by the action id in `<prefix>-action-claims-v2`: Elasticsearch
   * creates one document per id, so of two processes claiming the same action one gets 409.
   * The loser learns who has it and, when already written, its record (a real-time GET, no
   * refresh needed). The same process claiming again wins (a stack rebuilt after a rebalance).
   * Sent directly, not behind the spool: a claim is a question that needs an answer now, and
   * no answer (Elasticsearch away, or silent for requestTimeoutMs) rejects, so the caller
   * carries the action out as before.
   */
  async claimAction(actionId: string, claimant: ActionClaimant): Promise<ActionClaim> {
    const index = claimsIndexName(this.cfg.indexPrefix);
    const unavailable = (err: unknown): ForesightError =>
      new ForesightError('SINK_UNAVAILABLE', `cannot claim action ${actionId} in ${index}: ${scrubUrls((err as Error).message)}`, { retriable: isUnavailable(err), cause: err });
    // One deadline for the claim's up to three requests: an Elasticsearch that accepts
    // connections and never answers delays the action by requestTimeoutMs, not three times it.
    const signal = AbortSignal.timeout(this.cfg.requestTimeoutMs);
    try {
      await this.client.create({ index, id: actionId, document: { actionId, claimant, claimedAt: new Date().toISOString() } }, { signal });
      return { won: true };
    } catch (err) {
      if ((err as { meta?: { statusCode?: number } }).meta?.statusCode !== 409) throw unavailable(err);
    }
    try {
      const held = await this.client.get<{ claimant?: ActionClaimant }>({ index, id: actionId }, { signal });
      const by = held._source?.claimant ?? { instance: 'unknown', process: 'unknown' };
      if (by.process === claimant.process) return { won: true };
      const rec = await this.client.get<Record<string, unknown>>({ index: indexName(this.cfg.indexPrefix, 'actions', this.replay), id: actionId }, { ignore: [404], signal });
      return rec.found && rec._source ? { won: false, by, record: docToAction(rec._source) } : { won: false, by };
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** One attempt to empty the spool; never throws for an unreachable Elasticsearch. */
  async flush(): Promise<void> {
    await this.enqueue(() => this.drain());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.enqueue(() => this.drain()).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'spool not drained at close'));
    await this.spool.close();
    await this.client.close();
  }

  /** Index names this store writes, by kind. */
  indices(): Record<RecordKind, string> {
    return {
      actions: indexName(this.cfg.indexPrefix, 'actions', this.replay),
      detections: indexName(this.cfg.indexPrefix, 'detections', this.replay),
      metrics: indexName(this.cfg.indexPrefix, 'metrics', this.replay),
      templates: indexName(this.cfg.indexPrefix, 'templates', this.replay),
    };
  }
}

export function createElasticsearchStore(cfg: ElasticsearchStoreConfig, deps: ElasticsearchStoreDeps): Promise<ElasticsearchRecordStore> {
  return ElasticsearchRecordStore.open(cfg, deps);
}
