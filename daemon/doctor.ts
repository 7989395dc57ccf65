import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createServer } from 'node:net';
import { createSimulator, loadScenario } from '../ingest/sources/simulator/index.ts';
import { Client } from '@elastic/elasticsearch';
import { loadTf } from '../models/tfjs/backend.ts';
import { createKafka } from '../ingest/sources/kafka/index.ts';
import { clientOptions } from '../remediator/store/elasticsearch.ts';
import { elasticsearchStoreConfigSchema } from '../remediator/store/elasticsearch/config.ts';
import { loadConfig, type Config } from './config.ts';
import { kafkaConnectionOf } from './produce.ts';
import { VERSION } from './version.ts';
import { safeUrl, scrubUrls } from '../core/secrets.ts';

/**
 * `foresight doctor [--json]`: what the daemon would use here, checked for real — the
 * TensorFlow backend, Kafka and Elasticsearch (from the config or KAFKA_BROKERS /
 * ELASTICSEARCH_URL), the config file, the HTTP port. Exit code 1 when something the
 * config needs is unreachable.
 */

interface Check {
  ok: boolean;
  [k: string]: unknown;
}

export interface DoctorReport {
  version: string;
  node: string;
  config: Check;
  tensorflow: Check;
  kafka: Check;
  elasticsearch: Check;
  http: Check;
  stores: Check;
  actuators: Check;
  ok: boolean;
}

const TIMEOUT_MS = 8000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
}

async function tensorflow(): Promise<Check> {
  try {
    const b = await loadTf();
    const binding = (b.tf.backend() as { binding?: { TF_Version?: string } }).binding;
    return { ok: true, backend: b.backend, native: b.native, tfjs: b.tf.version.tfjs ?? null, libtensorflow: binding?.TF_Version ?? null };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

async function kafka(config: Config): Promise<Check> {
  const conn = kafkaConnectionOf(config);
  const used = config.source.kind === 'kafka';
  if (!conn) return { ok: !used, configured: false };
  const admin = createKafka({ ...conn, clientId: `${conn.clientId}-doctor`, connectionTimeoutMs: 3000 }).admin();
  try {
    await within(admin.connect(), 'Kafka');
    const c = await within(admin.describeCluster(), 'Kafka');
    const topics = config.source.kafka?.topics ?? [];
    const existing = new Set(await within(admin.listTopics(), 'Kafka'));
    // A missing source topic is a failure: the daemon would only wait for it.
    const missing = topics.filter((t) => !existing.has(t));
    return {
      ok: missing.length === 0, configured: true,
      ...(missing.length > 0 ? { error: `topic ${missing.join(', ')} does not exist (the daemon waits for it)` } : {}), used, brokers: conn.brokers, clusterId: c.clusterId, controller: c.controller,
      nodes: c.brokers.length, topics: Object.fromEntries(topics.map((t) => [t, existing.has(t)])),
      // The Kafka protocol does not report a server version; the nodes' API versions imply it.
    };
  } catch (err) {
    return { ok: false, configured: true, used, brokers: conn.brokers, error: scrubUrls((err as Error).message) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function elasticsearch(config: Config): Promise<Check> {
  const used = config.stores.kind === 'elasticsearch';
  const url = config.stores.elasticsearch?.url ?? process.env.ELASTICSEARCH_URL;
  if (!url) return { ok: !used, configured: false };
  const cfg = config.stores.elasticsearch ?? elasticsearchStoreConfigSchema.parse({ url });
  const client = new Client({ ...clientOptions(cfg), requestTimeout: 3000 });
  try {
    // Node info rather than `GET /`: the reduced test distribution does not serve the root.
    const nodes = await within(client.nodes.info({ node_id: '_local', metric: ['_none'] }), 'Elasticsearch');
    const health = await within(client.cluster.health(), 'Elasticsearch');
    const node = Object.values(nodes.nodes)[0];
    return { ok: true, configured: true, used, url: safeUrl(cfg.url), version: node?.version ?? null, cluster: nodes.cluster_name, status: health.status, indexPrefix: cfg.indexPrefix };
  } catch (err) {
    return { ok: false, configured: true, used, url: safeUrl(cfg.url), error: scrubUrls((err as Error).message) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * The file store's directory (also the Elasticsearch store's spool) must be writable, or
 * creatable: the nearest existing ancestor is checked, so doctor creates nothing.
 */
async function storesDir(config: Config): Promise<Check> {
  const dir = resolve(config.stores.dir);
  let probe = dir;
  try {
    for (;;) {
      try {
        await access(probe, constants.F_OK);
        break;
      } catch {
        if (dirname(probe) === probe) throw new Error('no existing ancestor');
        probe = dirname(probe);
      }
    }
    if (!(await stat(probe)).isDirectory()) throw new Error('not a directory');
    await access(probe, constants.W_OK);
    return { ok: true, kind: config.stores.kind, dir: config.stores.dir };
  } catch (err) {
    return { ok: false, kind: config.stores.kind, dir: config.stores.dir, error: `${probe} is not writable (${(err as Error).message})` };
  }
}

/**
 * Every policy's target must be one the actuators can act on. The simulator actuator acts
 * only on the simulated services (on other sources the daemon drops it); log and webhook
 * take any target.
 */
function actuatorTargets(config: Config): Check {
  const names = config.remediator.actuators;
  const targets = Object.entries(config.services).filter(([name]) => name !== 'default').map(([name, p]) => p.target ?? name);
  if (!names.includes('simulator') || config.source.kind !== 'simulator') return { ok: true, actuators: names, targets };
  let known: string[];
  try {
    known = createSimulator(loadScenario(config.source.simulator.scenario), { seed: config.source.simulator.seed }).control.services();
  } catch (err) {
    return { ok: false, actuators: names, targets, error: `scenario ${config.source.simulator.scenario}: ${(err as Error).message}` };
  }
  const unknown = targets.filter((t) => !known.includes(t));
  return unknown.length === 0
    ? { ok: true, actuators: names, targets }
    : { ok: false, actuators: names, targets, unknown, error: `unknown actuator target(s) ${unknown.join(', ')}: the simulator actuator acts on ${known.join(', ')}` };
}

export async function doctor(configFile: string | undefined): Promise<DoctorReport> {
  let config: Config;
  let cfgCheck: Check;
  try {
    const l = loadConfig(configFile);
    config = l.config;
    cfgCheck = { ok: true, file: l.file ?? '(embedded default)', hash: l.hash, source: config.source.kind, stores: config.stores.kind, mode: config.remediator.mode };
  } catch (err) {
    const l = loadConfig(undefined, {});
    config = l.config;
    cfgCheck = { ok: false, file: configFile ?? process.env.FORESIGHT_CONFIG ?? null, error: scrubUrls((err as Error).message) };
  }
  const [tf, k, es, free, st] = await Promise.all([tensorflow(), kafka(config), elasticsearch(config), portFree(config.http.host, config.http.port), storesDir(config)]);
  const http = { ok: free || !config.http.enabled, enabled: config.http.enabled, host: config.http.host, port: config.http.port, free };
  const act = actuatorTargets(config);
  return { version: VERSION, node: process.version, config: cfgCheck, tensorflow: tf, kafka: k, elasticsearch: es, http, stores: st, actuators: act, ok: cfgCheck.ok && tf.ok && k.ok && es.ok && http.ok && st.ok && act.ok };
}

export async function doctorCli(opts: { configFile?: string; json: boolean }, stdout: NodeJS.WritableStream): Promise<number> {
  const r = await doctor(opts.configFile);
  const line = (name: string, c: Check, text: string): void => { stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${name.padEnd(14)} ${text}\n`); };
  const tf = r.tensorflow;
  line('config', r.config, r.config.ok ? `${String(r.config.file)} (source ${String(r.config.source)}, stores ${String(r.config.stores)})` : String(r.config.error));
  line('tensorflow', tf, tf.ok ? `backend ${String(tf.backend)}${tf.native ? ` (native libtensorflow ${String(tf.libtensorflow)})` : ' (pure JavaScript)'}, tfjs ${String(tf.tfjs)}` : String(tf.error));
  const k = r.kafka;
  line('kafka', k, !k.configured ? 'not configured' : k.ok ? `${(k.brokers as string[]).join(',')}: ${String(k.nodes)} node(s), cluster ${String(k.clusterId)}` : `${(k.brokers as string[]).join(',')}: ${String(k.error)}`);
  const e = r.elasticsearch;
  line('elasticsearch', e, !e.configured ? 'not configured' : e.ok ? `${String(e.url)}: ${String(e.version)} (${String(e.status)})` : `${String(e.url)}: ${String(e.error)}`);
  line('http', r.http, `${String(r.http.host)}:${String(r.http.port)} ${r.http.enabled ? (r.http.free ? 'free' : 'IN USE') : 'disabled'}`);
  line('stores', r.stores, r.stores.ok ? `${String(r.stores.kind)}, ${String(r.stores.dir)} writable` : `${String(r.stores.dir)}: ${String(r.stores.error)}`);
  line('actuators', r.actuators, r.actuators.ok ? `${(r.actuators.actuators as string[]).join(', ')}` : String(r.actuators.error));
  if (opts.json) stdout.write(JSON.stringify(r) + '\n');
  return r.ok ? 0 : 1;
}
