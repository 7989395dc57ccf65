import { isRetriable } from './errors.ts';

export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  initialMs: number;
  maxMs: number;
  /** Jitter source, injectable so tests are deterministic. */
  random?: () => number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 5, initialMs: 200, maxMs: 10_000 };

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter; stops at once on a non-retriable error. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'initialMs' | 'maxMs' | 'random'>): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** attempt);
  return Math.round(ceiling * (opts.random ?? Math.random)());
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = DEFAULT_RETRY): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.retries || !isRetriable(err) || opts.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}
