import { hostname } from 'node:os';
import { createLogger, routeProcessWarnings, setLogLevel, type Logger } from '../core/log.ts';
import { ForesightError } from '../core/errors.ts';
import { Telemetry } from '../core/telemetry.ts';
import { adminTokenOf, loadConfig, redactConfig, type Config } from './config.ts';
import { assemble, buildActuators, type Assembly } from './assemble.ts';
import { planReload } from './reload.ts';
import type { Pipeline } from './pipeline.ts';
import { createPipeline } from './pipeline.ts';
import { startHttp, type ReloadResult } from './http.ts';
import { VERSION } from './version.ts';
import { join } from 'node:path';
import { FileTemplateStore } from '../ingest/templates/store.ts';
import { createNotifier } from '../remediator/alerts/index.ts';

export interface RunOptions {
  configFile?: string;
  /**
   * After a stop, how long anything still holding the event loop may keep the process alive
   * before it exits with the stop's code (default 5000; 0: never force).
   */
  lingerMs?: number;
}

/**
 * kafkajs can rejoin the group it is leaving when a rebalance meets the shutdown (its runner
 * restarts after the join: tulios/kafkajs PR #1571, unmerged), and its reconnect retries then
 * kept a stopped daemon alive for minutes after every record was flushed (seen in a
 * fresh-clone CI run: 'stopped' logged, exit 6 minutes later). Everything is flushed and
 * closed when this is armed, so what still runs after the grace is ended.
 */
export function exitIfLingering(log: Logger, code: number, lingerMs: number): void {
  if (lingerMs <= 0) return;
  setTimeout(() => {
    log.warn({ lingerMs }, 'connections still open after the stop (a Kafka client rejoining the group it left): exiting');
    process.exit(code);
  }, lingerMs).unref();
}

/**
 * Re-reads the config (file and environment), validates it and hands what may change
 * live to the pipeline; refuses the whole reload, keeping the running config, when the
 * file is invalid or changes something that cannot change while running.
 */
function reloader(
  opts: RunOptions, log: Logger, pipeline: Pipeline, parts: Assembly, initial: { config: Config; hash: string },
): (trigger: string) => ReloadResult {
  let current = initial;
  return (trigger) => {
    const refuse = (error: string, refused: string[], code: string): ReloadResult => {
      log.error({ code, trigger, refused, configHash: current.hash }, `config reload refused: ${error}; the running config stays`);
      return { ok: false, changed: [], refused, error, configHash: current.hash };
    };
    let next: { config: Config; hash: string };
    try {
      next = loadConfig(opts.configFile);
    } catch (err) {
      return refuse((err as Error).message, [], err instanceof ForesightError ? err.code : 'CONFIG_INVALID');
    }
    const plan = planReload(current.config, next.config);
    if (plan.refused.length > 0) {
      return refuse(`${plan.refused.join(', ')} cannot change while the daemon runs (restart to apply)`, plan.refused, 'CONFIG_INVALID');
    }
    if (plan.changed.length === 0) {
      log.info({ trigger, configHash: current.hash }, 'config reload: nothing changed');
      return { ok: true, changed: [], refused: [], configHash: current.hash };
    }
    let actuators;
    try {
      actuators = buildActuators(next.config, log, parts.simulator);
    } catch (err) {
      return refuse(`actuators: ${(err as Error).message}`, ['remediator.actuators'], 'CONFIG_INVALID');
    }
    setLogLevel(log, next.config.log.level);
    const applied = next;
    void pipeline.reconfigure(next.config, actuators, next.hash).then(() => {
      log.info({ trigger, changed: plan.changed, configHash: applied.hash }, 'config reloaded');
    });
    current = next;
    return { ok: true, changed: plan.changed, refused: [], configHash: next.hash };
  };
}

/**
 * `foresight run`: the long-running daemon. SIGHUP or `POST /api/reload` (admin token) reloads
 * the config (see reloader).
 * SIGTERM/SIGINT stop the source, let the pipeline drain and flush its stores, close the
 * HTTP listener, and exit 0; a second signal exits at once.
 */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const { config, file, hash } = loadConfig(opts.configFile);
  const log = createLogger({ level: config.log.level });
  routeProcessWarnings(log);
  const telemetry = new Telemetry(log, { defaultMetrics: true });
  log.info({ config: redactConfig(config), file: file ?? '(embedded default)', configHash: hash, version: VERSION }, 'starting foresight');

  const adminToken = adminTokenOf(config.http);
  const parts = await assemble(config, log);
  const notifier = config.alerts ? createNotifier(config.alerts, { telemetry, dir: config.alerts.dir ?? join(config.stores.dir, 'outbox') }) : undefined;
  await notifier?.start();
  const pipeline = createPipeline({
    ...(notifier ? { notifier } : {}),
    config, telemetry, source: parts.source, deadLetters: parts.deadLetters, store: parts.store, actuators: parts.actuators,
    daemon: { instance: `${config.instance}@${hostname()}`, version: VERSION, configHash: hash }, replay: false,
    templateStore: new FileTemplateStore(join(config.stores.dir, 'templates.json')),
    streams: parts.streams,
  });

  const abort = new AbortController();
  let running = true;
  const reload = reloader(opts, log, pipeline, parts, { config, hash });
  const http = config.http.enabled
    ? await startHttp(config.http.host, config.http.port, {
      registry: telemetry.registry,
      // Not ready while the source cannot deliver: starting, waiting for a topic, Kafka away.
      ready: () => running && !abort.signal.aborted && (parts.source.ready?.() ?? true),
      status: () => ({ ...pipeline.status(), kafka: parts.kafkaHealth?.detail() }),
      series: pipeline.series,
      pending: () => pipeline.pendingApprovals(),
      decide: (id, decision, by, comment) => pipeline.decide(id, decision, by, comment),
      reload,
      ...(adminToken ? { adminToken } : {}),
    })
    : undefined;
  if (http) log.info({ url: http.url }, 'status page and metrics listening');

  const onSignal = (sig: NodeJS.Signals): void => {
    if (abort.signal.aborted) { log.warn({ signal: sig }, 'second signal: exiting now'); process.exit(1); }
    log.info({ signal: sig }, 'shutting down: draining');
    abort.abort();
    // Waits on an unreachable Kafka (commits, dead letters) end now; what they held is read again.
    parts.kafkaHealth?.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const onHup = (): void => { reload('SIGHUP'); };
  process.on('SIGHUP', onHup);

  let code = 0;
  try {
    await pipeline.run(abort.signal);
  } catch (err) {
    if (abort.signal.aborted) {
      log.warn({ err: (err as Error).message }, 'stopped while waiting on Kafka; unacknowledged input will be read again');
    } else {
      telemetry.error('daemon', err instanceof ForesightError ? err.code : 'INTERNAL', err, 'pipeline failed');
      code = 1;
    }
  } finally {
    running = false;
    await parts.source.close();
    await parts.streams?.close();
    await parts.store.close();
    await notifier?.stop();
    await http?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHup);
  }
  const s = pipeline.status();
  log.info({ lines: s.lines, windows: s.windows, detections: s.detections, actions: s.actions, deadLetters: s.deadLetters }, 'stopped');
  exitIfLingering(log, code, opts.lingerMs ?? 5000);
  return code;
}
