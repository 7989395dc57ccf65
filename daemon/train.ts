import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../core/clock.ts';
import { ForesightError } from '../core/errors.ts';
import { createLogger, silentLogger } from '../core/log.ts';
import { Telemetry } from '../core/telemetry.ts';
import type { IngestConfig } from '../ingest/config.ts';
import { MemoryDeadLetterSink } from '../ingest/deadletter/memory.ts';
import { createIngest } from '../ingest/index.ts';
import { FileSource } from '../ingest/sources/file.ts';
import type { MetricPoint, RawInput } from '../ingest/types.ts';
import { collectSeries } from '../models/series.ts';
import type { ModelsConfig } from '../models/config.ts';
import type { SeriesPoint } from '../models/types.ts';
import { loadTf } from '../models/tfjs/backend.ts';
import { fitAndValidate, type FitResult } from '../models/tfjs/fit.ts';
import { saveModel } from '../models/tfjs/artifacts.ts';
import { createFileModelStore } from '../models/tfjs/store.ts';
import { DEFAULT_MAX_EPOCHS } from '../models/tfjs/model.ts';
import { loadConfig } from './config.ts';
import { withProgress, type Progress } from './progress.ts';

/**
 * `foresight train PATH`: replays history through the real ingest stage into per-service
 * p95 series, fits the TF.js model on the first part of each, validates it on the rest
 * against the statistical baselines, and saves it as a new version in the model store,
 * promoted to current only when it is no worse than the best baseline.
 *
 *   NDJSON files ─► ingest (clean, template, windows) ─► series ─► fit ─► validate ─► store
 */

export interface History {
  series: Map<string, SeriesPoint[]>;
  files: string[];
  lines: number;
  windows: number;
  deadLetters: number;
}

const LOG_FILE = /\.(ndjson|jsonl|json|log)(\.gz)?$|\.gz$/;

/** A file, or every log file directly inside a directory, in name order (so parts replay in sequence). */
export function historyFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    throw new ForesightError('USAGE', `cannot read ${path}`, { cause });
  }
  if (!st.isDirectory()) return [path];
  const files = readdirSync(path).filter((f) => LOG_FILE.test(f)).sort().map((f) => join(path, f));
  if (files.length === 0) throw new ForesightError('USAGE', `${path} holds no .ndjson/.jsonl/.log/.gz files`);
  return files;
}

/** One ingest stage fed batch by batch; the caller owns where batches come from. */
export function createSeriesCollector(ingestConfig: IngestConfig): { add(batch: RawInput[]): void; finish(): { points: MetricPoint[]; lines: number; deadLetters: number } } {
  const clock = new ManualClock(0);
  const deadLetters = new MemoryDeadLetterSink();
  const ingest = createIngest(ingestConfig, { telemetry: new Telemetry(silentLogger), clock, deadLetters });
  const points: MetricPoint[] = [];
  let lines = 0;
  let dead = 0;
  return {
    add(batch) {
      lines += batch.length;
      const out = ingest.handle(batch);
      dead += out.deadLetters.length;
      for (const p of out.points) points.push(p);
    },
    finish() {
      for (const p of ingest.flush()) points.push(p);
      points.sort((a, b) => a.windowStart - b.windowStart);
      return { points, lines, deadLetters: dead };
    },
  };
}

/** Replays the files through the real ingest stage into per-service series. */
export async function readHistory(files: readonly string[], ingestConfig: IngestConfig, onProgress?: (lines: number, fraction: number) => void): Promise<History> {
  const collector = createSeriesCollector(ingestConfig);
  const signal = new AbortController().signal;
  // How far, for progress: bytes of the files read so far over their total size.
  const sizes = files.map((f) => statSync(f, { throwIfNoEntry: false })?.size ?? 0);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let doneBytes = 0;
  let read = 0;
  for (const [i, file] of files.entries()) {
    const source = new FileSource(file, { clock: new ManualClock(0) });
    try {
      for await (const batch of source.batches(signal)) {
        collector.add(batch);
        read += batch.length;
        onProgress?.(read, totalBytes > 0 ? Math.min(1, (doneBytes + source.bytesRead) / totalBytes) : 0);
      }
    } finally {
      await source.close();
    }
    doneBytes += sizes[i]!;
  }
  const { points, lines, deadLetters } = collector.finish();
  return { series: collectSeries(points), files: [...files], lines, windows: points.length, deadLetters };
}

export interface TrainRunOptions {
  path: string;
  configFile?: string;
  out?: string;
  epochs?: number;
  seed?: number;
  now?: number;
  log?: (line: string) => void;
  /** Where progress goes (a bar on a terminal, JSON lines otherwise); none without. */
  progress?: NodeJS.WritableStream;
}

export interface TrainReport {
  model: string;
  dir: string;
  version: string;
  promoted: boolean;
  current: string | null;
  backend: string;
  trainedOn: FitResult['trained']['meta']['trainedOn'];
  training: FitResult['trained']['meta']['training'];
  validation: { horizon: number; tfjs: number | null; bestBaseline: string | null; bestBaselineMase: number | null; mase: Record<string, number | null>; coverage: Record<string, number | null> };
  history: { lines: number; windows: number; deadLetters: number; services: number };
  seconds: number;
}

export async function train(opts: TrainRunOptions): Promise<TrainReport> {
  const started = performance.now();
  // Lines go above the progress bar while one is shown.
  let bar: Progress | undefined;
  const say = (line: string): void => { if (bar) bar.log(line); else opts.log?.(line); };
  const { config } = loadConfig(opts.configFile);
  const models: ModelsConfig = config.models;
  const dir = opts.out ?? models.tfjs.modelDir;
  const files = historyFiles(opts.path);
  say(`reading ${files.length} file(s) through ingest`);
  const reading = { lines: 0, fraction: 0 };
  const history = await withProgress(opts.progress, { task: 'train: reading history', unit: 'lines', read: () => ({ done: reading.lines, fraction: reading.fraction }) },
    () => readHistory(files, config.ingest, (lines, fraction) => { reading.lines = lines; reading.fraction = fraction; }));
  let points = 0;
  for (const s of history.series.values()) points += s.length;
  say(`${history.lines} lines -> ${history.windows} windows, ${history.series.size} services, ${points} p95 points, ${history.deadLetters} dead letters`);
  if (history.series.size === 0) throw new ForesightError('USAGE', `no latency series in ${opts.path}: nothing to train on`);

  const { tf, backend } = await loadTf({ log: process.env.FORESIGHT_LOG_LEVEL === 'debug' ? createLogger({ level: 'debug' }) : silentLogger });
  say(`training on the ${backend} backend`);
  let epochs = 0;
  // Early stopping usually ends before the maximum, so the ETA is an upper bound.
  const fit = await withProgress(opts.progress, { task: 'train: fitting', unit: 'epochs', total: opts.epochs ?? DEFAULT_MAX_EPOCHS, read: () => ({ done: epochs }) },
    (p) => { bar = p; return fitAndValidate(tf, history.series, models, {
      epochs: opts.epochs, seed: opts.seed, now: opts.now ?? Date.now(), files,
      onEpoch: (e, loss, vLoss) => {
        epochs = e + 1;
        if (e % 25 === 0) say(`  epoch ${e + 1}: loss ${loss.toFixed(4)}${vLoss === null ? '' : ` validation ${vLoss.toFixed(4)}`}`);
      },
    }).finally(() => { bar = undefined; }); });
  const store = createFileModelStore(dir);
  const name = models.tfjs.modelName;
  await saveModel(tf, store, name, fit.trained, { promote: fit.promote });
  fit.trained.model.dispose();
  const v = fit.trained.meta.validation;
  const decision = v?.horizon ?? 15;
  const coverage: Record<string, number | null> = {};
  for (const [f, scores] of Object.entries(fit.evaluation.forecasters)) coverage[f] = scores.find((s) => s.h === decision)?.coverage ?? null;
  return {
    model: name,
    dir,
    version: fit.trained.meta.version,
    promoted: fit.promote,
    current: await store.current(name),
    backend,
    trainedOn: fit.trained.meta.trainedOn,
    training: fit.trained.meta.training,
    validation: { horizon: decision, tfjs: fit.tfMase, bestBaseline: fit.bestBaseline, bestBaselineMase: fit.bestBaselineMase, mase: v?.mase ?? {}, coverage },
    history: { lines: history.lines, windows: history.windows, deadLetters: history.deadLetters, services: history.series.size },
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface TrainCliOptions {
  path: string;
  out?: string;
  epochs?: number;
  seed?: number;
  config?: string;
  json: boolean;
}

/** `foresight train PATH` (options parsed in daemon/cli/commands/train.ts). */
export async function runTrainCli(opts: TrainCliOptions, io: Io): Promise<number> {
  const r = await train({
    path: opts.path, configFile: opts.config, out: opts.out, epochs: opts.epochs, seed: opts.seed,
    log: (line) => io.stderr.write(`${line}\n`), progress: io.stderr,
  });
  const out = opts.json ? io.stderr : io.stdout;
  const fmt = (m: number | null): string => (m === null ? 'n/a' : m.toFixed(3));
  out.write(`model ${r.model} version ${r.version} in ${r.dir} (${r.training.epochs} epochs, best ${r.training.bestEpoch ?? '-'}, ${r.training.seconds}s on ${r.backend})\n`);
  out.write(`validation MASE at ${r.validation.horizon} min (held-out last 20% of each series, vs seasonal naive):\n`);
  for (const [f, m] of Object.entries(r.validation.mase)) out.write(`  ${f.padEnd(16)} ${fmt(m)}  coverage p10-p90 ${fmt(r.validation.coverage[f] ?? null)}\n`);
  out.write(r.promoted
    ? `promoted: tfjs_mlp ${fmt(r.validation.tfjs)} <= best baseline ${r.validation.bestBaseline} ${fmt(r.validation.bestBaselineMase)}; current version is ${r.current}\n`
    : `NOT promoted: tfjs_mlp ${fmt(r.validation.tfjs)} is worse than the best baseline ${r.validation.bestBaseline} ${fmt(r.validation.bestBaselineMase)}; saved as a candidate, current stays ${r.current ?? '(none)'}\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify(r)}\n`);
  return 0;
}
