import { Worker } from 'node:worker_threads';
import type { Telemetry } from '../../core/telemetry.ts';
import type { ModelsConfig } from '../config.ts';
import type { SeriesPoint } from '../types.ts';

/** What the main thread sends the retrain worker. */
export interface RetrainRequest {
  config: ModelsConfig;
  series: Array<[string, SeriesPoint[]]>;
  now: number;
}

/** What the worker answers: the saved version and whether it was made current. */
export type RetrainReply =
  | { ok: true; version: string; promoted: boolean; tfMase: number | null; bestBaseline: string | null; bestBaselineMase: number | null; seconds: number; backend: string }
  | { ok: false; error: string };

export interface RetrainerDeps {
  telemetry: Telemetry;
  /** A copy of the history to train on (per service, oldest first). */
  history: () => Map<string, SeriesPoint[]>;
  /** Called after a retrain promoted a new version, so the stage loads it. */
  onModel: () => void;
}

export interface Retrainer {
  start(): void;
  stop(): Promise<void>;
  /** Trains now unless a run is in progress (then waits for that one). */
  runOnce(): Promise<RetrainReply | null>;
  status(): { running: boolean; runs: number; last: RetrainReply | null; lastAt: number | null };
}

/**
 * Built (dist/), the worker is the compiled retrain-worker.js. From the TypeScript sources
 * (`node --import tsx`, the tests) it is started from a plain .mjs bootstrap that registers
 * tsx first: worker threads do not inherit the main thread's module loader hooks.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./retrain-worker.mjs', import.meta.url)
  : new URL('./retrain-worker.js', import.meta.url);

/**
 * Retrains the TF.js model on the daemon's own history every `retrain.everyMinutes`, in a
 * worker thread so ingest never waits on it. The worker validates the model against the
 * baselines and saves it to the model store, promoted only if it is no worse; the stage's
 * hot-swap then loads it on trial.
 */
export function createRetrainer(config: ModelsConfig, deps: RetrainerDeps): Retrainer {
  const { telemetry } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetrainReply | null> | undefined;
  let worker: Worker | undefined;
  let runs = 0;
  let last: RetrainReply | null = null;
  let lastAt: number | null = null;
  let stopped = false;

  function run(): Promise<RetrainReply | null> {
    const series = deps.history();
    let points = 0;
    for (const s of series.values()) points += s.length;
    if (points < config.tfjs.retrain.minPoints) {
      telemetry.log.info({ stage: 'models', points, minPoints: config.tfjs.retrain.minPoints }, 'retrain skipped: not enough history yet');
      return Promise.resolve(null);
    }
    const request: RetrainRequest = { config, series: [...series], now: Date.now() };
    return new Promise<RetrainReply>((resolve) => {
      const w = new Worker(WORKER_URL, { workerData: request });
      worker = w;
      let reply: RetrainReply | undefined;
      w.once('message', (m: RetrainReply) => { reply = m; });
      w.once('error', (err) => { reply ??= { ok: false, error: err instanceof Error ? err.message : String(err) }; });
      w.once('exit', (code) => {
        worker = undefined;
        resolve(reply ?? { ok: false, error: stopped ? 'stopped' : `retrain worker exited with code ${code}` });
      });
    }).then((r) => {
      runs++;
      last = r;
      lastAt = Date.now();
      if (!r.ok) {
        telemetry.modelEvent('retrain_failed', { error: r.error }, 'retrain failed; the current model stays');
      } else if (r.promoted) {
        telemetry.modelEvent('retrained', { version: r.version, mase: r.tfMase, bestBaseline: r.bestBaseline, bestBaselineMase: r.bestBaselineMase, seconds: r.seconds, points }, 'retrained tfjs model promoted in the store');
        deps.onModel();
      } else {
        telemetry.modelEvent('retrain_rejected', { version: r.version, mase: r.tfMase, bestBaseline: r.bestBaseline, bestBaselineMase: r.bestBaselineMase, points }, 'retrained tfjs model did not beat the best baseline on held-out history; not promoted');
      }
      return r;
    });
  }

  function runOnce(): Promise<RetrainReply | null> {
    if (stopped) return Promise.resolve(null);
    running ??= run().finally(() => { running = undefined; });
    return running;
  }

  return {
    start() {
      timer = setInterval(() => { void runOnce(); }, config.tfjs.retrain.everyMinutes * 60_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await worker?.terminate();
      await running;
    },
    runOnce,
    status: () => ({ running: running !== undefined, runs, last, lastAt }),
  };
}
