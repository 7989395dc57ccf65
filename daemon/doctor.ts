import { createServer } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import { loadTf } from '../models/tfjs/backend.ts';
import { createKafka } from '../ingest/sources/kafka/index.ts';
import { clientOptions } from '../remediator/store/elasticsearch.ts';
import { elasticsearchStoreConfigSchema } from '../remediator/store/elasticsearch/config.ts';
import { loadConfig, type Config } from './config.ts';
import { kafkaConnectionOf } from './produce.ts';
import { VERSION } from './version.ts';

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
    return {
      ok: true, configured: true, used, brokers: conn.brokers, clusterId: c.clusterId, controller: c.controller,
      nodes: c.brokers.length, topics: Object.fromEntries(topics.map((t) => [t, existing.has(t)])),
      // The Kafka protocol does not report a server version; the nodes' API versions imply it.
    };
  } catch (err) {
    return { ok: false, configured: true, used, brokers: conn.brokers, error: (err as Error).message };
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
    return { ok: true, configured: true, used, url: cfg.url, version: node?.version ?? null, cluster: nodes.cluster_name, status: health.status, indexPrefix: cfg.indexPrefix };
  } catch (err) {
    return { ok: false, configured: true, used, url: cfg.url, error: (err as Error).message };
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
    cfgCheck = { ok: false, file: configFile ?? process.env.FORESIGHT_CONFIG ?? null, error: (err as Error).message };
  }
  const [tf, k, es, free] = await Promise.all([tensorflow(), kafka(config), elasticsearch(config), portFree(config.http.host, config.http.port)]);
  const http = { ok: free || !config.http.enabled, enabled: config.http.enabled, host: config.http.host, port: config.http.port, free };
  return { version: VERSION, node: process.version, config: cfgCheck, tensorflow: tf, kafka: k, elasticsearch: es, http, ok: cfgCheck.ok && tf.ok && k.ok && es.ok && http.ok };
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
  if (opts.json) stdout.write(JSON.stringify(r) + '\n');
  return r.ok ? 0 : 1;
}
