/**
 * Announces each action by HTTP POST. The body is JSON `{ event, sentAt, action }`; with a
 * secret, `X-Foresight-Signature: sha256=<hex>` is the HMAC-SHA256 of the exact body bytes,
 * and `X-Foresight-Timestamp` repeats `sentAt` (epoch ms). Because `sentAt` is inside the
 * signed body, a receiver can reject stale replays without trusting the header. Retries
 * resend the same bytes; `Idempotency-Key` (actionId + status) lets receivers drop repeats.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ForesightError } from '../../core/errors.ts';
import { DEFAULT_RETRY, retry, type RetryOptions } from '../../core/retry.ts';
import type { WebhookConfig } from '../config.ts';
import type { ActionRecord, Actuator } from '../types.ts';

export const SIGNATURE_HEADER = 'x-foresight-signature';
export const TIMESTAMP_HEADER = 'x-foresight-timestamp';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of a signature header against the raw body. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Worth retrying: server errors, and the two 4xx that mean "later" rather than "never". */
export function retriableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export interface WebhookDeps {
  /** Wall clock for `sentAt`; receivers compare it with theirs, so not event time. */
  now?: () => number;
  retry?: Partial<RetryOptions>;
}

export function createWebhookActuator(cfg: WebhookConfig, deps: WebhookDeps = {}): Actuator {
  const now = deps.now ?? Date.now;
  const retryOpts: RetryOptions = { ...DEFAULT_RETRY, retries: cfg.retries, initialMs: 250, maxMs: 5_000, ...deps.retry };

  async function post(body: string, headers: Record<string, string>): Promise<number> {
    let res: Response;
    try {
      res = await fetch(cfg.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(cfg.timeoutMs) });
    } catch (err) {
      // Network errors and timeouts: the receiver may be back in a moment.
      throw new ForesightError('ACTUATOR_FAILED', `webhook POST failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return res.status;
    throw new ForesightError('ACTUATOR_FAILED', `webhook answered HTTP ${res.status}`, { retriable: retriableStatus(res.status), details: { status: res.status } });
  }

  return {
    name: 'webhook',
    async execute(action: ActionRecord) {
      const sentAt = now();
      const body = JSON.stringify({ event: 'foresight.action', sentAt, action });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(sentAt),
        'idempotency-key': `${action.actionId}:${action.status}`,
      };
      if (cfg.secret) headers[SIGNATURE_HEADER] = signBody(cfg.secret, body);
      let attempts = 0;
      try {
        const status = await retry(async () => { attempts++; return post(body, headers); }, retryOpts);
        return { ok: true, detail: `HTTP ${status} after ${attempts} attempt${attempts === 1 ? '' : 's'}` };
      } catch (err) {
        return { ok: false, detail: `${(err as Error).message} after ${attempts} attempt${attempts === 1 ? '' : 's'}` };
      }
    },
  };
}
