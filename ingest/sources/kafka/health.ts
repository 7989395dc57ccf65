/**
 * Kafka outages are waited out, not fatal.
 *
 *   fetch (consumer crash/restart) ─┐
 *   offset commit ──────────────────┼──► KafkaHealth ──► ready() for /readyz, one log line per change
 *   dead-letter produce ────────────┘        │
 *                                            └── down longer than maxOutageMs ──► give up (exit 1)
 *
 * Every path that talks to the brokers reports here. While any path is down the daemon is
 * not ready (/readyz 503) and commits nothing new: a commit or a dead-letter write blocks,
 * retried with the project's jittered backoff (`untilDelivered`), so the pipeline stops
 * pulling input (back-pressure) and nothing acknowledged can be lost. The process never
 * exits for an outage unless `source.kafka.maxOutageMs` is set and exceeded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ForesightError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import { retry } from '../../../core/retry.ts';

/** Where a failure was seen; a bounded set, used in logs and status. */
export type KafkaPath = 'fetch' | 'commit' | 'deadletter' | 'metadata' | 'partials';

export interface KafkaHealthOptions {
  /** Give up (exit) after this long unreachable; 0 = never. */
  maxOutageMs: number;
  log?: Logger;
  now?: () => number;
}

export interface KafkaHealthDetail {
  ready: boolean;
  starting: boolean;
  waitingFor: string | null;
  down: Partial<Record<KafkaPath, { since: string; error: string }>>;
  outages: number;
}

export class KafkaHealth {
  private readonly opts: KafkaHealthOptions;
  private readonly down = new Map<KafkaPath, { since: number; error: string }>();
  private readonly ac = new AbortController();
  private readonly giveUpListeners: Array<(err: ForesightError) => void> = [];
  private giveUpTimer: NodeJS.Timeout | undefined;
  private outageSince: number | undefined;
  private waiting: string | undefined;
  private starting = true;
  /** Outages seen since start (for status and tests). */
  outages = 0;

  constructor(opts: KafkaHealthOptions) {
    this.opts = opts;
  }

  private now(): number { return (this.opts.now ?? Date.now)(); }

  /** Aborted on shutdown or give-up; every wait on Kafka listens to it. */
  get signal(): AbortSignal { return this.ac.signal; }

  ready(): boolean {
    return !this.starting && this.waiting === undefined && this.down.size === 0 && !this.ac.signal.aborted;
  }

  /** The consumer has joined its group and fetches: start-up is over. */
  started(): void {
    this.starting = false;
    this.setWaiting(undefined);
  }

  /** Start-up is waiting for something (e.g. `topic foresight-logs`); logged once per change. */
  setWaiting(what: string | undefined): void {
    if (what === this.waiting) return;
    if (what !== undefined) this.opts.log?.warn({ waitingFor: what }, `waiting for ${what}`);
    else if (this.waiting !== undefined) this.opts.log?.info({ waitedFor: this.waiting }, `${this.waiting} is there: starting`);
    this.waiting = what;
  }

  markDown(path: KafkaPath, err: unknown): void {
    if (this.down.has(path)) return;
    const now = this.now();
    this.down.set(path, { since: now, error: errorText(err) });
    if (this.outageSince !== undefined) return;
    this.outageSince = now;
    this.outages++;
    this.opts.log?.warn({ path, err: errorText(err), maxOutageMs: this.opts.maxOutageMs || null },
      'Kafka unreachable: waiting it out (retrying with backoff, committing nothing, /readyz 503)');
    if (this.opts.maxOutageMs > 0) {
      this.giveUpTimer = setTimeout(() => this.giveUp(), this.opts.maxOutageMs);
      this.giveUpTimer.unref();
    }
  }

  markUp(path: KafkaPath): void {
    if (!this.down.delete(path) || this.down.size > 0 || this.outageSince === undefined) return;
    const downMs = this.now() - this.outageSince;
    this.outageSince = undefined;
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    this.opts.log?.info({ path, downMs }, 'Kafka reachable again');
  }

  isDown(path: KafkaPath): boolean { return this.down.has(path); }

  onGiveUp(fn: (err: ForesightError) => void): void { this.giveUpListeners.push(fn); }

  private giveUp(): void {
    if (this.outageSince === undefined || this.ac.signal.aborted) return;
    const paths = [...this.down.keys()].join(', ');
    const err = new ForesightError('KAFKA_OUTAGE',
      `Kafka unreachable for ${Math.round((this.now() - this.outageSince) / 1000)} s (${paths}); giving up after source.kafka.maxOutageMs=${this.opts.maxOutageMs}`);
    this.opts.log?.error({ paths, maxOutageMs: this.opts.maxOutageMs }, err.message);
    this.ac.abort(err);
    for (const fn of this.giveUpListeners) fn(err);
  }

  /** Stops every wait (shutdown). Idempotent. */
  stop(): void {
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    if (!this.ac.signal.aborted) this.ac.abort(new ForesightError('SOURCE_FAILED', 'stopping: Kafka wait abandoned'));
  }

  detail(): KafkaHealthDetail {
    const down: KafkaHealthDetail['down'] = {};
    for (const [p, d] of this.down) down[p] = { since: new Date(d.since).toISOString(), error: d.error };
    return { ready: this.ready(), starting: this.starting, waitingFor: this.waiting ?? null, down, outages: this.outages };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface UntilDeliveredOptions {
  /** First and largest backoff between attempts (jittered). */
  initialMs?: number;
  maxMs?: number;
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, however long Kafka is away: jittered exponential backoff
 * through the project's one retry helper, the path marked down after the first failure and
 * up after the next success. Ends early only when the health's signal aborts (shutdown, or
 * `maxOutageMs` exceeded), with that reason; a non-retriable error is thrown at once.
 */
export async function untilDelivered<T>(health: KafkaHealth, path: KafkaPath, fn: () => Promise<T>, opts: UntilDeliveredOptions = {}): Promise<T> {
  const signal = health.signal;
  try {
    const out = await retry(async () => {
      if (signal.aborted) throw signal.reason;
      return fn();
    }, {
      retries: Number.POSITIVE_INFINITY,
      initialMs: opts.initialMs ?? 500,
      maxMs: opts.maxMs ?? 10_000,
      random: opts.random,
      signal,
      onRetry: (err) => health.markDown(path, err),
    });
    health.markUp(path);
    return out;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}

/**
 * Start-up against a cluster that lacks a source topic: looks every `everyMs` until all
 * exist, logging `waiting for topic T` once and keeping /readyz at 503 meanwhile; an
 * unreachable cluster is waited out like any outage. With `wait: false` (replays, which
 * name their topic explicitly) a missing topic is an error at once.
 */
export async function waitForTopics(
  health: KafkaHealth, listTopics: () => Promise<string[]>, topics: readonly string[], opts: { everyMs: number; wait: boolean },
): Promise<void> {
  for (;;) {
    const existing = new Set(await untilDelivered(health, 'metadata', listTopics));
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) { health.setWaiting(undefined); return; }
    const what = `topic ${missing.join(', ')}`;
    if (!opts.wait) throw new ForesightError('SOURCE_FAILED', `${what} does not exist`);
    health.setWaiting(what);
    try {
      await sleep(opts.everyMs, undefined, { signal: health.signal });
    } catch {
      throw health.signal.reason;
    }
  }
}
