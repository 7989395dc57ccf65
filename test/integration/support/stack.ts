/**
 * Shared pieces of the Kafka/Elasticsearch integration tests: the rig, a generated log
 * file with its replay reference, a daemon child process, and readers for what ended up
 * in Kafka and Elasticsearch. Every test uses its own topic, group and index prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import YAML from 'yaml';
import { rigUp, type RigEndpoints } from '../../../scripts/rig/index.ts';
import { simulateToStream } from '../../../ingest/sources/simulator/index.ts';
import { indexName } from '../../../remediator/store/elasticsearch/templates.ts';

// One way to run the CLI for every test layer.
import { CLI, runCli, type Ran } from '../../e2e/helpers.ts';
export { CLI, runCli, type Ran };

let rig: Promise<RigEndpoints> | undefined;
export function ensureRig(): Promise<RigEndpoints> {
  rig ??= rigUp({ log: (line) => console.error(`[rig] ${line}`) });
  return rig;
}

export function uniqueName(what: string): string {
  return `it-${what}-${randomUUID().slice(0, 8)}`;
}

export function tempDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `foresight-${what}-`));
}

export interface TopicNames { topic: string; group: string; prefix: string }

/**
 * A test file's topics: `names(what)` hands out a fresh topic with its consumer group and
 * index prefix (the topic's name); `drop(rig)` deletes every topic handed out, its `.dlq`,
 * and the Elasticsearch indices under its prefix (call it from `after`).
 */
export function topicScope(): { names(what: string): TopicNames; drop(rig: RigEndpoints): Promise<void> } {
  const topics: string[] = [];
  return {
    names(what) {
      const topic = uniqueName(what);
      topics.push(topic);
      return { topic, group: `${topic}-g`, prefix: topic };
    },
    async drop(rig) {
      await dropTopics(rig, topics.flatMap((t) => [t, `${t}.dlq`]));
      for (const t of topics) await dropIndices(rig.elasticsearchUrl, t);
    },
  };
}


export const POLICIES = {
  checkout: { sloP95Ms: 300, minReplicas: 2, maxReplicas: 16 },
  orders: { sloP95Ms: 250, minReplicas: 2, maxReplicas: 16 },
  payments: { sloP95Ms: 400, minReplicas: 2, maxReplicas: 16 },
};

/** The leak scenario, thinned so ~10k lines cover three hours and still lead to actions. */
export interface Dataset { file: string; lines: number; dir: string }

export async function makeDataset(): Promise<Dataset> {
  const dir = tempDir('data');
  const file = join(dir, 'leak.ndjson');
  const ws = createWriteStream(file);
  const r = await simulateToStream('memory-leak', { minutes: 186, seed: 7, maxLinesPerServicePerStep: 6 }, ws);
  ws.end();
  await once(ws, 'close');
  // Two lines far ahead move the watermark past every real window and then past the first
  // sentinel's, so the daemon (which never sees an end of input) takes the same decisions a
  // replay takes when it closes everything at its end; the replay's one extra step, closing
  // the second sentinel's window 3 minutes later, is too short for any guardrail or
  // verification to turn.
  const text = readFileSync(file, 'utf8');
  const lastTs = Date.parse((JSON.parse(text.slice(text.lastIndexOf('\n', text.length - 2) + 1)) as { timestamp: string }).timestamp);
  const sentinel = (ts: number): string => JSON.stringify({ timestamp: new Date(ts).toISOString(), service: 'zz-sentinel', level: 'info', message: 'end of test stream' }) + '\n';
  appendFileSync(file, sentinel(lastTs + 2 * 3600_000) + sentinel(lastTs + 2 * 3600_000 + 180_000));
  return { file, lines: r.lines + 2, dir };
}

export interface Reference {
  detections: string[];
  /** Event time (`at`) of each detection, in report order. */
  detectionTimes: number[];
  /** actionId → final status. */
  actions: Map<string, string>;
  /** Event time of each action (its first record's `@timestamp`), ascending. */
  actionTimes: number[];
  seconds: number;
}

/** What `foresight replay FILE` reports for the same services and remediation settings. */
export async function replayReference(ds: Pick<Dataset, 'file'>, ingest?: Record<string, unknown>, detector?: Record<string, unknown>): Promise<Reference> {
  const dir = tempDir('ref');
  const cfg = join(dir, 'replay.yaml');
  writeFileSync(cfg, YAML.stringify({ log: { level: 'warn' }, ...(ingest ? { ingest } : {}), ...(detector ? { detector } : {}), remediator: { mode: 'dry_run', actuators: ['log'] }, services: POLICIES, stores: { kind: 'file', dir: join(dir, 'var') } }));
  const report = join(dir, 'report.json');
  const r = await runCli(['replay', ds.file, '--config', cfg, '--report', report], { cwd: dir, env: { KAFKA_BROKERS: '', ELASTICSEARCH_URL: '' } });
  if (r.code !== 0) throw new Error(`replay failed: ${r.stderr}`);
  const rep = JSON.parse(readFileSync(report, 'utf8')) as { detections: Array<{ id: string; at: number }>; actions: Array<{ actionId: string; status: string; '@timestamp': string }>; seconds: number };
  const firstAt = new Map<string, number>();
  for (const a of rep.actions) if (!firstAt.has(a.actionId)) firstAt.set(a.actionId, Date.parse(a['@timestamp']));
  return {
    detections: rep.detections.map((d) => d.id).sort(), detectionTimes: rep.detections.map((d) => d.at), actions: new Map(rep.actions.map((a) => [a.actionId, a.status])),
    actionTimes: [...firstAt.values()].sort((x, y) => x - y), seconds: rep.seconds,
  };
}

export interface DaemonSetup {
  rig: RigEndpoints;
  topic: string;
  group: string;
  prefix: string;
  dir: string;
  config: string;
  batchSize?: number;
  esUrl?: string;
  /** Extra `source.kafka` and `ingest` settings. */
  kafka?: Record<string, unknown>;
  ingest?: Record<string, unknown>;
  /** Extra `detector` settings. */
  detector?: Record<string, unknown>;
  /** `instance` (default: the group), to tell several daemons of one group apart. */
  instance?: string;
}

export function writeDaemonConfig(s: Omit<DaemonSetup, 'config' | 'dir'> & { dir?: string }): DaemonSetup {
  const dir = s.dir ?? tempDir('daemon');
  const config = join(dir, 'foresight.yaml');
  writeFileSync(config, YAML.stringify({
    instance: s.instance ?? s.group,
    log: { level: 'info' },
    http: { port: 0 },
    source: {
      kind: 'kafka', batchSize: s.batchSize ?? 500,
      kafka: { brokers: s.rig.kafkaBrokers, topics: [s.topic], groupId: s.group, deadLetterTopic: `${s.topic}.dlq`, sessionTimeoutMs: 6000, ...s.kafka },
    },
    ...(s.ingest ? { ingest: s.ingest } : {}),
    ...(s.detector ? { detector: s.detector } : {}),
    remediator: { mode: 'dry_run', actuators: ['log'] },
    services: POLICIES,
    stores: { kind: 'elasticsearch', dir: join(dir, 'var'), elasticsearch: { url: s.esUrl ?? s.rig.elasticsearchUrl, indexPrefix: s.prefix, spoolRetryMs: 500, retries: 1 } },
  }));
  return { ...s, dir, config };
}

export interface Status {
  watermark: number; lines: number; warmupLines: number; actions: number; detections: number; deadLetters: number; deadLettersByReason: Record<string, number>;
  /** Two stages over the partials topic only. */
  streams?: { partialsTopic: string; partialsPartitions: string[]; records: number; stale: number; tooLate: number; idleWoken: number; stacksBuilt: number };
}

export class Daemon {
  readonly child: ChildProcess;
  private err = '';
  private url: string | undefined;
  readonly exited: Promise<number | null>;

  constructor(setup: DaemonSetup) {
    this.child = spawn(process.execPath, [CLI, 'run', '--config', setup.config], {
      cwd: setup.dir, env: { ...process.env, KAFKA_BROKERS: '', ELASTICSEARCH_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The whole log, for a failure's post-mortem; assertions quote only its tail.
    const logFile = join(setup.dir, `daemon-${Date.now()}.log`);
    this.child.stderr?.on('data', (b: Buffer) => {
      this.err += b.toString();
      appendFileSync(logFile, b);
      if (!this.url) {
        const m = /"url":"(http:[^"]+)"[^\n]*status page/.exec(this.err);
        if (m) this.url = m[1];
      }
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get stderr(): string { return this.err; }

  /** /readyz's status code, or undefined before the listener is up. */
  async readyz(): Promise<number | undefined> {
    if (!this.url) return undefined;
    return (await fetch(`${this.url}/readyz`)).status;
  }

  async status(): Promise<Status | undefined> {
    if (!this.url) return undefined;
    const res = await fetch(`${this.url}/api/status`);
    return (await res.json()) as Status;
  }

  /** Polls the status until `pred` holds. */
  async until(what: string, pred: (s: Status) => boolean, timeoutMs = 60_000, everyMs = 100): Promise<Status> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status().catch(() => undefined);
      if (s && pred(s)) return s;
      if (this.child.exitCode !== null) throw new Error(`daemon exited (${this.child.exitCode}) while waiting for ${what}:\n${this.err.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(s)}\n${this.err.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export function kafkaClient(rig: RigEndpoints): Kafka {
  return new Kafka({ clientId: 'it', brokers: rig.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Sends lines keyed by their `host` field (Kafka's default partitioner; a line without one has no key). */
export async function sendByHost(rig: RigEndpoints, topic: string, lines: readonly string[]): Promise<void> {
  const producer = kafkaClient(rig).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < lines.length; i += 1000) {
      const messages = lines.slice(i, i + 1000).map((text) => ({ key: (JSON.parse(text) as { host?: string }).host ?? null, value: text }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

export async function produce(rig: RigEndpoints, topic: string, file: string): Promise<{ lines: number; seconds: number; linesPerSecond: number }> {
  const r = await runCli(['produce', '--topic', topic, '--json', file], { env: { KAFKA_BROKERS: rig.kafkaBrokers.join(',') } });
  if (r.code !== 0) throw new Error(`produce failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { lines: number; seconds: number; linesPerSecond: number };
}

export async function committedOffset(rig: RigEndpoints, group: string, topic: string): Promise<number> {
  const admin = kafkaClient(rig).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const o = Number(t?.partitions[0]?.offset ?? '-1');
    return o < 0 ? 0 : o;
  } finally {
    await admin.disconnect();
  }
}

export interface EsContents {
  detections: string[];
  actions: Map<string, string>;
  /** Documents in the actions index, counted by the search (to see doubles if ids ever differed). */
  actionDocs: number;
  /** service@windowStart → event count. */
  metrics: Map<string, number>;
}

export async function readEs(url: string, prefix: string, replay = false): Promise<EsContents> {
  const es = new Client({ node: url });
  try {
    await es.indices.refresh({ index: `${prefix}-*` }, { ignore: [404] });
    const all = async (index: string): Promise<Array<Record<string, unknown>>> => {
      const r = await es.search<Record<string, unknown>>({ index, size: 10_000, query: { match_all: {} } }, { ignore: [404] });
      return (r.hits?.hits ?? []).map((h) => h._source!);
    };
    const actions = await all(indexName(prefix, 'actions', replay));
    const detections = await all(indexName(prefix, 'detections', replay));
    // Metric points only (dead letters share the index).
    const metrics = (await all(indexName(prefix, 'metrics', replay))).filter((m) => (m.event as { dataset?: string } | undefined)?.dataset === 'foresight.metrics');
    return {
      detections: detections.map((d) => String(d.id)).sort(),
      actions: new Map(actions.map((a) => [String(a.actionId), String(a.status)])),
      actionDocs: actions.length,
      metrics: new Map(metrics.map((m) => [`${(m.service as { name: string }).name}@${String(m.windowStart)}`, Number(m.count)])),
    };
  } finally {
    await es.close();
  }
}

export async function dropIndices(url: string, prefix: string): Promise<void> {
  const es = new Client({ node: url });
  await es.indices.delete({ index: `${prefix}-*` }, { ignore: [404] }).catch(() => undefined);
  await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] }).catch(() => undefined);
  await es.close();
}

export async function dropTopics(rig: RigEndpoints, topics: string[]): Promise<void> {
  const admin = kafkaClient(rig).admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}
