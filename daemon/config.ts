import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import YAML from 'yaml';
import { ForesightError } from '../core/errors.ts';
import { packagePath } from '../core/paths.ts';
import { scrubUrls } from '../core/secrets.ts';
import { ingestConfigSchema } from '../ingest/config.ts';
import { modelsConfigSchema } from '../models/config.ts';
import { detectorConfigSchema } from '../detector/config.ts';
import { remediatorConfigSchema, servicePolicySchema } from '../remediator/config.ts';
import { brokersFromEnv, kafkaSourceConfigSchema } from '../ingest/sources/kafka/config.ts';
import { elasticsearchStoreConfigSchema } from '../remediator/store/elasticsearch/config.ts';
import { alertsConfigSchema } from '../remediator/alerts/config.ts';

/**
 * The daemon's configuration: one YAML file plus environment overrides, declared once.
 * Each stage owns its schema; this file composes them and adds what only the process
 * wiring needs (source, stores, HTTP). Unknown keys are rejected everywhere; the parsed
 * result is deeply frozen.
 */

const simulatorSourceSchema = z.object({
  scenario: z.string().min(1).default('demo'),
  seed: z.number().int().default(1),
  /** Simulated seconds per wall-clock second, or 'max'. */
  speed: z.union([z.number().positive(), z.literal('max')]).default(60),
  /** Stop after this many simulated minutes; unset runs until stopped. */
  minutes: z.number().positive().optional(),
}).strict();

const SOURCE_SECTIONS = ['simulator', 'file', 'kafka'] as const;

/**
 * A source without `kind` is named by the one section it has (`source: {kafka: …}` is the
 * Kafka source, not the simulator with Kafka settings ignored); with none it is the
 * simulator; with several the config is refused rather than guessed.
 */
function inferSourceKind(input: unknown, ctx: { issues: z.core.$ZodRawIssue[] }): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const s = input as Record<string, unknown>;
  if (s.kind !== undefined) return s;
  const present = SOURCE_SECTIONS.filter((k) => s[k] !== undefined);
  if (present.length === 1) return { ...s, kind: present[0] };
  if (present.length > 1) {
    ctx.issues.push({ code: 'custom', input, path: ['kind'], message: `source has ${present.map((k) => `source.${k}`).join(' and ')} but no source.kind: set source.kind to say which one to read` });
  }
  return s;
}

const sourceSchema = z.preprocess(inferSourceKind, z.object({
  kind: z.enum(['simulator', 'file', 'stdin', 'kafka']).default('simulator'),
  simulator: simulatorSourceSchema.prefault({}),
  file: z.object({ path: z.string().min(1) }).strict().optional(),
  kafka: kafkaSourceConfigSchema.optional(),
  batchSize: z.number().int().positive().max(100_000).default(2000),
}).strict().superRefine((s, ctx) => {
  if (s.kind === 'file' && !s.file) ctx.addIssue({ code: 'custom', path: ['file', 'path'], message: 'source.kind is "file" but source.file.path is not set' });
  if (s.kind === 'kafka' && !s.kafka) ctx.addIssue({ code: 'custom', path: ['kafka'], message: 'source.kind is "kafka" but source.kafka is not set' });
  if (s.kind === 'kafka' && s.kafka && s.kafka.brokers.length === 0) ctx.addIssue({ code: 'custom', path: ['kafka', 'brokers'], message: 'no Kafka brokers: set source.kafka.brokers or KAFKA_BROKERS' });
}));

const storesSchema = z.object({
  /** `file`: NDJSON under `dir`. `elasticsearch`: indices, with a spool under `dir` while it is away. */
  kind: z.enum(['file', 'elasticsearch']).default('file'),
  /** Where the embedded default keeps actions, detections and dead letters. */
  dir: z.string().min(1).default('var'),
  elasticsearch: elasticsearchStoreConfigSchema.optional(),
}).strict().superRefine((s, ctx) => {
  if (s.kind === 'elasticsearch' && !s.elasticsearch) ctx.addIssue({ code: 'custom', path: ['elasticsearch'], message: 'stores.kind is "elasticsearch" but stores.elasticsearch is not set (or ELASTICSEARCH_URL)' });
});

const httpSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9464),
  enabled: z.boolean().default(true),
  /**
   * Services whose latest window /api/status keeps; past it the least recently updated is
   * dropped from the page (counted in foresight_status_services_evicted_total).
   */
  statusMaxServices: z.number().int().min(1).default(10_000),
  /**
   * The status page's charts: closed windows kept per service (1440 = a day of minutes;
   * 72 bytes each) and services charted (past it new services are not charted, counted in
   * /api/series' `dropped`). Together they bound the charts' memory: 500 x 1440 ~ 52 MB.
   */
  chartWindows: z.number().int().min(10).max(100_000).default(1440),
  chartMaxServices: z.number().int().min(1).default(500),
  /**
   * Bearer token every state-changing endpoint (approve, reject) requires; reads need none.
   * Unset (and no file): those endpoints answer 403. Env: FORESIGHT_HTTP__ADMIN_TOKEN.
   */
  adminToken: z.string().min(16, 'http.adminToken must be at least 16 characters').optional(),
  /** A file holding the token (e.g. a mounted Kubernetes Secret); read at start. */
  adminTokenFile: z.string().min(1).optional(),
}).strict().refine((h) => !(h.adminToken && h.adminTokenFile), { message: 'set http.adminToken or http.adminTokenFile, not both', path: ['adminTokenFile'] });

/** The admin token from the config or its file; undefined when neither is set. */
export function adminTokenOf(http: { adminToken?: string | undefined; adminTokenFile?: string | undefined }): string | undefined {
  if (http.adminToken) return http.adminToken;
  if (!http.adminTokenFile) return undefined;
  let token: string;
  try {
    token = readFileSync(http.adminTokenFile, 'utf8').trim();
  } catch (err) {
    throw new ForesightError('CONFIG_INVALID', `http.adminTokenFile ${http.adminTokenFile} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (token.length < 16) throw new ForesightError('CONFIG_INVALID', `http.adminTokenFile ${http.adminTokenFile} must hold a token of at least 16 characters`);
  return token;
}

export const configSchema = z.object({
  instance: z.string().min(1).default('foresight-1'),
  log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') }).strict().prefault({}),
  http: httpSchema.prefault({}),
  source: sourceSchema.prefault({}),
  ingest: ingestConfigSchema.prefault({}),
  models: modelsConfigSchema.prefault({}),
  detector: detectorConfigSchema.prefault({}),
  remediator: remediatorConfigSchema.prefault({}),
  /** Per-service SLOs and remediation policy; `default` applies to services not listed. */
  services: z.record(z.string().min(1), servicePolicySchema).default({}),
  stores: storesSchema.prefault({}),
  /** Alerts for people through a durable outbox (docs/remediation.md); off when unset. */
  alerts: alertsConfigSchema.optional(),
}).strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>>;

const SECRET_KEY = /secret|password|passwd|token|api_?key|credentials|sasl/i;

/** A copy safe to print or log: secret-looking keys are masked, URLs lose userinfo and query values. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== '' ? '[redacted]' : redactConfig(v, k)]));
  }
  if (typeof value === 'string') return scrubUrls(value);
  return value;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Env values are YAML scalars: `5`, `true`, `[a, b]` parse as such; anything else is a string. */
function parseEnvValue(raw: string): unknown {
  try { return YAML.parse(raw) as unknown; } catch { return raw; }
}

/**
 * Environment overrides. `FORESIGHT_A__B_C=v` sets `a.bC` (double underscore nests, single
 * underscores camel-case), e.g. FORESIGHT_REMEDIATOR__MODE=live, FORESIGHT_HTTP__PORT=0.
 * KAFKA_BROKERS and ELASTICSEARCH_URL are honoured by the stages that use them.
 */
export function applyEnv(input: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(input);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FORESIGHT_') || raw === undefined || name === 'FORESIGHT_CONFIG') continue;
    const path = name.slice('FORESIGHT_'.length).toLowerCase().split('__').map((seg) => seg.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
    if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new ForesightError('CONFIG_INVALID', `environment variable ${name} does not name a config key`);
    }
    setPath(out, path, parseEnvValue(raw));
  }
  return out;
}

function objectAt(target: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = target[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  target[key] = fresh;
  return fresh;
}

/**
 * KAFKA_BROKERS sets source.kafka.brokers, and selects the Kafka source when the file does
 * not name a source kind (or is the embedded profile). ELASTICSEARCH_URL sets
 * stores.elasticsearch.url and selects the Elasticsearch store.
 */
export function applyServiceEnv(input: Record<string, unknown>, env: NodeJS.ProcessEnv, embedded: boolean): Record<string, unknown> {
  const out = structuredClone(input);
  const brokers = brokersFromEnv(env);
  if (brokers) {
    const source = objectAt(out, 'source');
    const kafka = objectAt(source, 'kafka');
    kafka.brokers = brokers;
    kafka.topics ??= ['foresight-logs'];
    if (source.kind === undefined || embedded) source.kind = 'kafka';
  }
  const esUrl = env.ELASTICSEARCH_URL?.trim();
  if (esUrl) {
    const stores = objectAt(out, 'stores');
    objectAt(stores, 'elasticsearch').url = esUrl;
    stores.kind = 'elasticsearch';
  }
  return out;
}

export function formatIssues(error: z.ZodError, origin: string): string {
  return error.issues.map((i) => {
    const where = i.path.length ? i.path.join('.') : '(top level)';
    return `  ${origin}: ${where}: ${i.message}`;
  }).join('\n');
}

export function parseConfig(input: unknown, origin = 'config'): Config {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new ForesightError('CONFIG_INVALID', `invalid configuration:\n${formatIssues(r.error, origin)}`, { details: { issues: r.error.issues } });
  }
  return deepFreeze(r.data);
}

export interface LoadedConfig {
  config: Config;
  file: string | undefined;
  hash: string;
}

/** The profile used when no config file is given (see daemon/embedded.yaml). */
export const EMBEDDED_CONFIG = packagePath('daemon', 'embedded.yaml');

function readYaml(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ForesightError('CONFIG_NOT_FOUND', `config file not found: ${path}`);
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ForesightError('CONFIG_INVALID', `config file ${path} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    throw new ForesightError('CONFIG_INVALID', `config file ${path} must hold a mapping at the top level`);
  }
  return (parsed ?? {}) as Record<string, unknown>;
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const named = file ?? env.FORESIGHT_CONFIG;
  const path = named ?? EMBEDDED_CONFIG;
  const raw = readYaml(path);
  const config = parseConfig(applyServiceEnv(applyEnv(raw, env), env, named === undefined), path);
  const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
  return { config, file: named, hash };
}
