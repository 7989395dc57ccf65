/**
 * Test rig: a real single-node Kafka (KRaft) and Elasticsearch on loopback for the
 * integration tests, provisioned from Maven Central into .cache/rig.
 *
 *   rigUp()     download once, start what is not running, wait until healthy
 *   rigStatus() what runs, where, and whether it answers
 *   rigDown()   SIGTERM, then SIGKILL after a grace period
 *   rigStop(s)  stops one server (an outage test); `rigUp()` starts it again
 *
 * Servers run detached (they outlive the caller); pid files in .cache/rig/run, logs in
 * .cache/rig/logs.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RigError, resolveOptions, rigPaths, type RigOptions, type RigPaths } from './config.ts';
import { ensureArtifacts } from './artifacts.ts';
import { ELASTICSEARCH, elasticsearchHealthy, prepareElasticsearch, startElasticsearch } from './elasticsearch.ts';
import { KAFKA, kafkaHealthy, prepareKafka, startKafka } from './kafka.ts';
import { assertPortFree, runningRecord, stopDetached, waitUntil, type PidRecord } from './proc.ts';
import { VERSIONS } from './versions.ts';

export { RigError, type RigOptions } from './config.ts';
export { VERSIONS } from './versions.ts';

export interface RigEndpoints {
  kafkaBrokers: string[];
  elasticsearchUrl: string;
}

export interface RigUpResult extends RigEndpoints {
  /** Which servers this call started (false: it was already running). */
  started: { kafka: boolean; elasticsearch: boolean };
  /** Wall time of the call, downloads included. */
  seconds: number;
  versions: { kafka: string; elasticsearch: string };
}

export interface ServiceStatus {
  running: boolean;
  healthy: boolean;
  pid: number | null;
  endpoint: string | null;
  startedAt: string | null;
  log: string;
}

export interface RigStatus {
  kafka: ServiceStatus;
  elasticsearch: ServiceStatus;
  versions: { kafka: string; elasticsearch: string };
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

const versions = { kafka: VERSIONS.kafka, elasticsearch: VERSIONS.elasticsearch };

/**
 * Serialises concurrent `rigUp` calls (parallel test files) with an exclusive lock file;
 * a lock left by a dead process is taken over.
 */
async function withLock<T>(paths: RigPaths, deadline: number, fn: () => Promise<T>): Promise<T> {
  mkdirSync(paths.run, { recursive: true });
  const lock = join(paths.run, 'up.lock');
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      let alive = false;
      try {
        if (holder > 0) { process.kill(holder, 0); alive = true; }
      } catch {
        alive = false;
      }
      if (!alive) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new RigError(`rig lock ${lock} held by pid ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function endpointsOf(kafka: PidRecord, es: PidRecord): RigEndpoints {
  return { kafkaBrokers: [kafka.endpoint], elasticsearchUrl: es.endpoint };
}

/**
 * Brings both servers up (idempotent) and resolves once both are healthy; with `only`, just
 * that one (an outage test restarting Kafka while Elasticsearch is meant to stay down).
 */
export async function rigUp(options: RigOptions = {}, only?: RigService): Promise<RigUpResult> {
  const opts = resolveOptions(options);
  const t0 = performance.now();
  const deadline = Date.now() + opts.timeoutMs;
  return withLock(opts.paths, deadline, async () => {
    let kafka = runningRecord(opts.paths, KAFKA);
    let es = runningRecord(opts.paths, ELASTICSEARCH);
    if (only === 'kafka' && !es) return startOnly(opts, deadline, t0, KAFKA);
    if (only === 'elasticsearch' && !kafka) return startOnly(opts, deadline, t0, ELASTICSEARCH);
    const started = { kafka: kafka === null, elasticsearch: es === null };
    if (opts.fresh && (kafka || es)) {
      throw new RigError('fresh start requested while the rig is running: run `rig down` first');
    }
    if (!kafka || !es) {
      if (!kafka) {
        await assertPortFree(opts.kafkaPort, 'Kafka');
        await assertPortFree(opts.kafkaControllerPort, 'Kafka controller');
      }
      if (!es) {
        await assertPortFree(opts.esPort, 'Elasticsearch');
        await assertPortFree(opts.esTransportPort, 'Elasticsearch transport');
      }
      const art = ensureArtifacts(opts.paths, opts.log);
      // Elasticsearch first: it is the slower of the two to boot, Kafka's format overlaps.
      if (!es) {
        es = startElasticsearch(opts, prepareElasticsearch(opts, art.esHome));
        opts.log(`started Elasticsearch ${VERSIONS.elasticsearch} (pid ${es.pid})`);
      }
      if (!kafka) {
        prepareKafka(opts, art.kafkaLibs);
        kafka = startKafka(opts, art.kafkaLibs);
        opts.log(`started Kafka ${VERSIONS.kafka} (pid ${kafka.pid})`);
      }
    }
    const k = kafka;
    const e = es;
    try {
      await Promise.all([
        waitUntil('Kafka', () => kafkaHealthy(k.endpoint), {
          deadline, alive: () => runningRecord(opts.paths, KAFKA) !== null,
          logHint: join(opts.paths.logs, `${KAFKA}.log`),
        }),
        waitUntil('Elasticsearch', () => elasticsearchHealthy(e.endpoint), {
          deadline, alive: () => runningRecord(opts.paths, ELASTICSEARCH) !== null,
          logHint: join(opts.paths.logs, `${ELASTICSEARCH}.log`),
        }),
      ]);
    } catch (err) {
      // Leave nothing half-started behind; what was already running stays running.
      if (started.kafka) await stopDetached(opts.paths, KAFKA, 10_000);
      if (started.elasticsearch) await stopDetached(opts.paths, ELASTICSEARCH, 10_000);
      throw err;
    }
    return {
      ...endpointsOf(k, e),
      started,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      versions,
    };
  });
}

export type RigService = 'kafka' | 'elasticsearch';

/** Starts one server while the other stays stopped (the lock is held by the caller). */
async function startOnly(opts: ReturnType<typeof resolveOptions>, deadline: number, t0: number, name: typeof KAFKA | typeof ELASTICSEARCH): Promise<RigUpResult> {
  let rec = runningRecord(opts.paths, name);
  const startedNow = rec === null;
  if (!rec) {
    const art = ensureArtifacts(opts.paths, opts.log);
    if (name === KAFKA) {
      await assertPortFree(opts.kafkaPort, 'Kafka');
      prepareKafka(opts, art.kafkaLibs);
      rec = startKafka(opts, art.kafkaLibs);
    } else {
      await assertPortFree(opts.esPort, 'Elasticsearch');
      rec = startElasticsearch(opts, prepareElasticsearch(opts, art.esHome));
    }
    opts.log(`started ${name} alone (pid ${rec.pid})`);
  }
  const r = rec;
  await waitUntil(name, () => (name === KAFKA ? kafkaHealthy : elasticsearchHealthy)(r.endpoint), {
    deadline, alive: () => runningRecord(opts.paths, name) !== null, logHint: join(opts.paths.logs, `${name}.log`),
  });
  return {
    kafkaBrokers: name === KAFKA ? [r.endpoint] : [`127.0.0.1:${opts.kafkaPort}`],
    elasticsearchUrl: name === ELASTICSEARCH ? r.endpoint : `http://127.0.0.1:${opts.esPort}`,
    started: { kafka: name === KAFKA && startedNow, elasticsearch: name === ELASTICSEARCH && startedNow },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    versions,
  };
}

/**
 * Stops one server, leaving the other running; `rigUp()` brings it back. Anyone else using
 * the rig on this machine sees the outage too.
 */
export async function rigStop(service: RigService): Promise<StopOutcome> {
  return stopDetached(rigPaths(), service === 'kafka' ? KAFKA : ELASTICSEARCH, 30_000);
}

/** Stops both servers; safe to call when nothing runs. */
export async function rigDown(): Promise<{ kafka: StopOutcome; elasticsearch: StopOutcome }> {
  const paths = rigPaths();
  // Kafka flushes and closes its log on SIGTERM within a few seconds; ES likewise.
  const [kafka, elasticsearch] = await Promise.all([
    stopDetached(paths, KAFKA, 30_000),
    stopDetached(paths, ELASTICSEARCH, 30_000),
  ]);
  return { kafka, elasticsearch };
}

async function serviceStatus(
  paths: RigPaths,
  name: string,
  healthy: (endpoint: string) => Promise<boolean>,
): Promise<ServiceStatus> {
  const rec = runningRecord(paths, name);
  const log = join(paths.logs, `${name}.log`);
  if (!rec) return { running: false, healthy: false, pid: null, endpoint: null, startedAt: null, log };
  const ok = await healthy(rec.endpoint).catch(() => false);
  return { running: true, healthy: ok, pid: rec.pid, endpoint: rec.endpoint, startedAt: rec.startedAt, log };
}

export async function rigStatus(): Promise<RigStatus> {
  const paths = rigPaths();
  const [kafka, elasticsearch] = await Promise.all([
    serviceStatus(paths, KAFKA, kafkaHealthy),
    serviceStatus(paths, ELASTICSEARCH, elasticsearchHealthy),
  ]);
  return { kafka, elasticsearch, versions };
}

/** Endpoints of a running rig, or null; for tests that must not start one themselves. */
export function rigEndpoints(): RigEndpoints | null {
  const paths = rigPaths();
  if (!existsSync(paths.run)) return null;
  const kafka = runningRecord(paths, KAFKA);
  const es = runningRecord(paths, ELASTICSEARCH);
  return kafka && es ? endpointsOf(kafka, es) : null;
}
