import { hostname } from 'node:os';
import { createLogger } from '../core/log.ts';
import { Telemetry } from '../core/telemetry.ts';
import { loadConfig, redactConfig } from './config.ts';
import { assemble } from './assemble.ts';
import { createPipeline } from './pipeline.ts';
import { startHttp } from './http.ts';
import { VERSION } from './version.ts';
import { join } from 'node:path';
import { FileTemplateStore } from '../ingest/templates/store.ts';

export interface RunOptions {
  configFile?: string;
}

/**
 * `foresight run`: the long-running daemon. SIGTERM/SIGINT stop the source, let the
 * pipeline drain and flush its stores, close the HTTP listener, and exit 0; a second
 * signal exits at once.
 */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const { config, file, hash } = loadConfig(opts.configFile);
  const log = createLogger({ level: config.log.level });
  const telemetry = new Telemetry(log, { defaultMetrics: true });
  log.info({ config: redactConfig(config), file: file ?? '(embedded default)', configHash: hash, version: VERSION }, 'starting foresight');

  const parts = await assemble(config, log);
  const pipeline = createPipeline({
    config, telemetry, source: parts.source, deadLetters: parts.deadLetters, store: parts.store, actuators: parts.actuators,
    daemon: { instance: `${config.instance}@${hostname()}`, version: VERSION, configHash: hash }, replay: false,
    templateStore: new FileTemplateStore(join(config.stores.dir, 'templates.json')),
  });

  const abort = new AbortController();
  let running = true;
  const http = config.http.enabled
    ? await startHttp(config.http.host, config.http.port, {
      registry: telemetry.registry,
      ready: () => running && !abort.signal.aborted,
      status: () => pipeline.status(),
      series: pipeline.series,
    })
    : undefined;
  if (http) log.info({ url: http.url }, 'status page and metrics listening');

  const onSignal = (sig: NodeJS.Signals): void => {
    if (abort.signal.aborted) { log.warn({ signal: sig }, 'second signal: exiting now'); process.exit(1); }
    log.info({ signal: sig }, 'shutting down: draining');
    abort.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let code = 0;
  try {
    await pipeline.run(abort.signal);
  } catch (err) {
    telemetry.error('daemon', 'INTERNAL', err, 'pipeline failed');
    code = 1;
  } finally {
    running = false;
    await parts.source.close();
    await parts.store.close();
    await http?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const s = pipeline.status();
  log.info({ lines: s.lines, windows: s.windows, detections: s.detections, actions: s.actions, deadLetters: s.deadLetters }, 'stopped');
  return code;
}
