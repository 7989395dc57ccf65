import { statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ForesightError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { Telemetry } from '../core/telemetry.ts';
import { loadConfig } from './config.ts';
import { assemble } from './assemble.ts';
import { createPipeline } from './pipeline.ts';
import { VERSION } from './version.ts';
import { startProgress } from './progress.ts';
import { FileSource } from '../ingest/sources/file.ts';
import type { Detection } from '../detector/types.ts';
import type { ActionRecord } from '../remediator/types.ts';

export interface ReplayOptions {
  path: string;
  configFile?: string;
  speed: number | 'max';
  reportFile?: string;
  live: boolean;
}

export interface ReplayReport {
  source: string;
  lines: number;
  /** Lines that became events; every other line is a dead letter (`lines = events + deadLetters.total`). */
  events: number;
  deadLetters: { total: number; byReason: Record<string, number> };
  windows: number;
  services: number;
  detections: Array<Pick<Detection, 'id' | 'kind' | 'service' | 'metric' | 'at' | 'score' | 'predictedBreachAt' | 'leadTimeMs'>>;
  actions: ActionRecord[];
  seconds: number;
}

/**
 * `foresight replay PATH`: the daemon's pipeline on a file (or `-` for stdin) with an
 * event-time clock. Actuators are forced to dry-run unless `--live`; records are always
 * tagged as a replay and written to the replay stores (`-replay` indices and files), so a
 * replay and the live daemon can never overwrite each other's records.
 */
export async function replay(opts: ReplayOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const { stdout } = io;
  const started = performance.now();
  const { config, hash } = loadConfig(opts.configFile);
  const log = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level });
  const telemetry = new Telemetry(log);
  const effective = opts.live ? config : { ...config, remediator: { ...config.remediator, mode: 'dry_run' as const } };
  // Always a replay: records go to the replay stores and carry `replay: true`, --live or not.
  const parts = await assemble(effective, log, { replayPath: opts.path, replay: true });
  const pipeline = createPipeline({
    config: effective, telemetry, source: parts.source, deadLetters: parts.deadLetters, store: parts.store,
    actuators: parts.actuators, daemon: { instance: `${config.instance}@${hostname()}`, version: VERSION, configHash: hash }, replay: true, liveActuators: opts.live, speed: opts.speed,
  });
  // How far: lines counted, the end known from the file's bytes (stdin and Kafka: rate only).
  const file = parts.source instanceof FileSource ? parts.source : undefined;
  const size = file ? (statSync(opts.path, { throwIfNoEntry: false })?.size ?? 0) : 0;
  const progress = await startProgress({
    task: 'replay', unit: 'lines', stream: io.stderr,
    read: () => ({ done: pipeline.status().lines, ...(file && size > 0 ? { fraction: Math.min(1, file.bytesRead / size) } : {}) }),
  });
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await pipeline.run(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await progress.stop();
    await parts.source.close();
    await parts.store.close();
  }
  const s = pipeline.status();
  if (opts.path.startsWith('kafka://') && s.lines === 0 && !abort.signal.aborted) {
    throw new ForesightError('KAFKA_EMPTY_RANGE', `${opts.path}: no record in that range (record timestamps are the logs' event times when loaded with foresight produce)`);
  }
  // The latest state of each action (planned → executed → verified) is what a reader wants.
  const latest = new Map<string, ActionRecord>();
  for (const a of pipeline.actions) latest.set(a.actionId, a);
  const report: ReplayReport = {
    source: opts.path,
    lines: s.lines,
    events: Number(s.stages.ingest.detail?.events ?? 0),
    deadLetters: { total: s.deadLetters, byReason: s.deadLettersByReason },
    windows: s.windows,
    services: s.services,
    detections: pipeline.detections.map((d) => ({ id: d.id, kind: d.kind, service: d.service, metric: d.metric, at: d.at, score: d.score, predictedBreachAt: d.predictedBreachAt, leadTimeMs: d.leadTimeMs })),
    actions: [...latest.values()],
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  const json = JSON.stringify(report, null, 2);
  if (opts.reportFile) writeFileSync(opts.reportFile, json + '\n');
  const breaches = report.detections.filter((d) => d.kind === 'predicted_breach');
  stdout.write(`replayed ${report.lines} lines: ${report.windows} windows, ${report.detections.length} detections (${breaches.length} predicted breaches), ${report.actions.length} actions, ${report.deadLetters.total} dead letters\n`);
  for (const d of breaches) stdout.write(`  predicted_breach ${d.service} at ${new Date(d.at).toISOString()} lead ${((d.leadTimeMs ?? 0) / 60000).toFixed(1)} min\n`);
  for (const [reason, n] of Object.entries(report.deadLetters.byReason)) stdout.write(`  dead letter ${reason}: ${n}\n`);
  if (opts.reportFile) stdout.write(`report written to ${opts.reportFile}\n`);
  return 0;
}
