/**
 * Progress of long commands (replay, produce, train, eval) on stderr, never stdout (where
 * `--json` puts its object on the last line):
 *
 *   terminal      a cli-progress bar, redrawn in place: done, rate, ETA when the end is known
 *   not terminal  one JSON line every `intervalMs` and one at the end, shaped like the log
 *                 records on the same stream: {"level":30,"time":…,"msg":"replay: …","progress":{…}}
 *
 * The caller says how far it is through `read()`, polled on a timer, so hot loops only bump
 * a counter. `fraction` is for work whose end is known in another unit than the one counted
 * (a replay counts lines but knows the file's bytes).
 */

export interface ProgressSample {
  /** Units done so far (lines, epochs, runs): the rate is done per second. */
  done: number;
  /** 0..1 when known otherwise than done / total. */
  fraction?: number;
}

export interface ProgressOptions {
  /** Names the work in each line: `replay`, `train`, `eval leadtime`. */
  task: string;
  unit: string;
  /** Units in all, when known up front. */
  total?: number;
  read: () => ProgressSample;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Non-terminal lines this often (ms). */
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressSnapshot {
  task: string;
  unit: string;
  done: number;
  total?: number;
  fraction?: number;
  elapsedS: number;
  ratePerS: number;
  etaS?: number;
}

export interface Progress {
  /** A line of the command's own output on the same stream (on a terminal, above the bar). */
  log(line: string): void;
  /** Idempotent; writes the final line (or the bar at its end) and stops the timer. */
  stop(): Promise<void>;
}

export const PROGRESS_INTERVAL_MS = 5_000;
/** Terminal redraws: often enough to look live, rarely enough to cost nothing. */
const BAR_REDRAW_MS = 200;

export function snapshot(opts: Pick<ProgressOptions, 'task' | 'unit' | 'total'>, sample: ProgressSample, elapsedMs: number): ProgressSnapshot {
  const elapsedS = elapsedMs / 1000;
  const fraction = sample.fraction ?? (opts.total !== undefined && opts.total > 0 ? Math.min(1, sample.done / opts.total) : undefined);
  const ratePerS = elapsedS > 0 ? sample.done / elapsedS : 0;
  const etaS = fraction !== undefined && fraction > 0 ? (elapsedS * (1 - fraction)) / fraction : undefined;
  const round = (x: number, d: number) => Number(x.toFixed(d));
  return {
    task: opts.task, unit: opts.unit, done: sample.done,
    ...(opts.total !== undefined ? { total: opts.total } : {}),
    ...(fraction !== undefined ? { fraction: round(fraction, 4) } : {}),
    elapsedS: round(elapsedS, 1), ratePerS: round(ratePerS, 1),
    ...(etaS !== undefined ? { etaS: Math.round(etaS) } : {}),
  };
}

/** The plain text of a snapshot: `replay: 1200000 lines, 45.0%, 85000 lines/s, ETA 16 s`. */
export function describe(s: ProgressSnapshot): string {
  const parts = [`${s.done}${s.total !== undefined ? `/${s.total}` : ''} ${s.unit}`];
  if (s.fraction !== undefined) parts.push(`${(s.fraction * 100).toFixed(1)}%`);
  parts.push(`${s.ratePerS >= 10 ? Math.round(s.ratePerS) : s.ratePerS} ${s.unit}/s`);
  if (s.etaS !== undefined && (s.fraction ?? 0) < 1) parts.push(`ETA ${s.etaS} s`);
  return `${s.task}: ${parts.join(', ')}`;
}

export async function startProgress(opts: ProgressOptions): Promise<Progress> {
  const now = opts.now ?? Date.now;
  const started = now();
  return opts.stream.isTTY ? startBar(opts, started, now) : startLines(opts, started, now);
}

function startLines(opts: ProgressOptions, started: number, now: () => number): Progress {
  const write = (): void => {
    const s = snapshot(opts, opts.read(), now() - started);
    opts.stream.write(`${JSON.stringify({ level: 30, time: now(), pid: process.pid, msg: describe(s), progress: s })}\n`);
  };
  const timer = setInterval(write, opts.intervalMs ?? PROGRESS_INTERVAL_MS);
  timer.unref();
  let stopped = false;
  return {
    log(line) { opts.stream.write(`${line}\n`); },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      write();
    },
  };
}

async function startBar(opts: ProgressOptions, started: number, now: () => number): Promise<Progress> {
  const { default: cliProgress } = await import('cli-progress');
  // With a known end: a bar over per-mille of the work, so ETA works whatever the unit.
  const bounded = opts.total !== undefined || opts.read().fraction !== undefined;
  const bar = new cliProgress.SingleBar({
    stream: opts.stream,
    format: bounded
      ? `${opts.task} [{bar}] {percentage}% | {done} ${opts.unit} | {rate} ${opts.unit}/s | ETA {eta_formatted}`
      : `${opts.task} {done} ${opts.unit} | {rate} ${opts.unit}/s | {duration_formatted}`,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
    fps: 1000 / BAR_REDRAW_MS,
  }, cliProgress.Presets.shades_classic);
  const PER_MILLE = 1000;
  const draw = (): void => {
    const s = snapshot(opts, opts.read(), now() - started);
    const payload = { done: s.total !== undefined ? `${s.done}/${s.total}` : String(s.done), rate: s.ratePerS >= 10 ? Math.round(s.ratePerS) : s.ratePerS };
    bar.update(bounded ? Math.round((s.fraction ?? 0) * PER_MILLE) : 0, payload);
  };
  bar.start(bounded ? PER_MILLE : 0, 0, { done: '0', rate: 0 });
  const timer = setInterval(draw, BAR_REDRAW_MS);
  timer.unref();
  let stopped = false;
  return {
    log(line) {
      if (stopped) { opts.stream.write(`${line}\n`); return; }
      // Clear the bar's line, write above it, draw the bar again below.
      opts.stream.write(`\r\x1b[K${line}\n`);
      draw();
      bar.render();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      bar.stop();
    },
  };
}

/** Runs `work` with progress on `stream` (no progress without a stream), stopped however it ends. */
export async function withProgress<T>(stream: ProgressOptions['stream'] | undefined, opts: Omit<ProgressOptions, 'stream'>, work: (progress: Progress | undefined) => Promise<T>): Promise<T> {
  if (!stream) return work(undefined);
  const progress = await startProgress({ ...opts, stream });
  try {
    return await work(progress);
  } finally {
    await progress.stop();
  }
}
