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
 * (a replay counts lines but knows the file's bytes). Synchronous work (NAB's series, the
 * simulator's steps) holds the thread, so the timer cannot fire: it calls `tick()` between
 * units instead, which writes what the timer would have when it is due.
 */

import type cliProgressModule from 'cli-progress';

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
  /**
   * For work that does not yield to the event loop: the line (or redraw) the timer would
   * have written, if one is due. Cheap enough to call once per unit of work.
   */
  tick(): void;
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

type CliProgress = typeof cliProgressModule;

/** cli-progress, loaded only when a bar is drawn (a terminal): not at all in pipes and tests. */
async function barLibrary(stream: ProgressOptions['stream']): Promise<CliProgress | undefined> {
  return stream.isTTY ? (await import('cli-progress')).default : undefined;
}

export async function startProgress(opts: ProgressOptions): Promise<Progress> {
  return startWith(await barLibrary(opts.stream), opts);
}

function startWith(cliProgress: CliProgress | undefined, opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  return cliProgress ? startBar(cliProgress, opts, started, now) : startLines(opts, started, now);
}

function startLines(opts: ProgressOptions, started: number, now: () => number): Progress {
  const intervalMs = opts.intervalMs ?? PROGRESS_INTERVAL_MS;
  let last = started;
  const write = (): void => {
    last = now();
    const s = snapshot(opts, opts.read(), last - started);
    opts.stream.write(`${JSON.stringify({ level: 30, time: last, pid: process.pid, msg: describe(s), progress: s })}\n`);
  };
  const timer = setInterval(write, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    log(line) { opts.stream.write(`${line}\n`); },
    tick() { if (!stopped && now() - last >= intervalMs) write(); },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      write();
    },
  };
}

function startBar(cliProgress: CliProgress, opts: ProgressOptions, started: number, now: () => number): Progress {
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
  bar.start(bounded ? PER_MILLE : 0, 0, { done: opts.total !== undefined ? `0/${opts.total}` : '0', rate: 0 });
  const timer = setInterval(draw, BAR_REDRAW_MS);
  timer.unref();
  let stopped = false;
  return {
    // cli-progress redraws inside update() when its throttle allows (synchronousUpdate).
    tick() { if (!stopped) draw(); },
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

export interface Phases {
  /**
   * Ends the current phase's progress (its final line) and starts the next one's. Synchronous,
   * so synchronous work can switch phases from inside its loop.
   */
  next(task: string, unit: string, total?: number): void;
  /** How far the current phase is; ticks it, so synchronous loops show progress too. */
  step(done: number, fraction?: number): void;
  /** A line of the command's own output: above the bar while one is shown, else to `log`. */
  log(line: string): void;
  /** Idempotent; call it in a finally. */
  end(): void;
}

/** Runs `work` with `progressPhases`, ended however it ends. */
export async function withPhases<T>(stream: ProgressOptions['stream'] | undefined, prefix: string, log: ((line: string) => void) | undefined, work: (phases: Phases) => Promise<T>): Promise<T> {
  const phases = await progressPhases(stream, prefix, log);
  try {
    return await work(phases);
  } finally {
    phases.end();
  }
}

/**
 * Work in consecutive phases (simulate, fit, score), one progress at a time, each named
 * `${prefix}: ${task}`. Without a stream, `step` only counts and `log` goes to `log`.
 */
export async function progressPhases(stream: ProgressOptions['stream'] | undefined, prefix: string, log: (line: string) => void = () => undefined): Promise<Phases> {
  const cliProgress = stream ? await barLibrary(stream) : undefined;
  let current: Progress | undefined;
  const at: ProgressSample = { done: 0 };
  const end = (): void => {
    const p = current;
    current = undefined;
    // Both kinds of progress stop synchronously (stop() is async only by its signature).
    void p?.stop();
  };
  return {
    next(task, unit, total) {
      end();
      at.done = 0;
      delete at.fraction;
      if (stream) current = startWith(cliProgress, { task: `${prefix}: ${task}`, unit, total, stream, read: () => ({ ...at }) });
    },
    step(done, fraction) {
      at.done = done;
      if (fraction === undefined) delete at.fraction; else at.fraction = fraction;
      current?.tick();
    },
    log(line) { if (current) current.log(line); else log(line); },
    end,
  };
}
