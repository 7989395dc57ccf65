import { errors, type Client } from '@elastic/elasticsearch';
import { ForesightError } from '../../../core/errors.ts';
import { retry } from '../../../core/retry.ts';

/**
 * Bulk writes with per-item retry. An item answered 409 is "already recorded" (a `create`
 * of an id that exists, or an action version older than the stored one) and counts as
 * done; 429 and 5xx items are retried alone with backoff; other item errors (a mapping
 * conflict, say) can never succeed and are returned as rejected. A request that fails as a
 * whole (connection refused, timeout, 5xx) is retried, then reported as
 * `SINK_UNAVAILABLE` with the items still pending, for the caller to spool.
 */

export interface BulkOp {
  index: string;
  id: string;
  /** `create` for immutable records; `index` with an external version for actions. */
  op: 'create' | 'index';
  version?: number;
  doc: Record<string, unknown>;
}

export interface BulkOutcome {
  written: number;
  /** Already present (409): the idempotent path. */
  existing: number;
  rejected: Array<{ op: BulkOp; status: number; error: string }>;
}

export class BulkUnavailable extends ForesightError {
  readonly pending: BulkOp[];
  constructor(message: string, pending: BulkOp[], cause: unknown) {
    super('SINK_UNAVAILABLE', message, { retriable: true, cause });
    this.pending = pending;
  }
}

/** Whether an error means Elasticsearch could not be reached or answered 5xx/429 for the whole request. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ResponseError) return err.statusCode === 429 || (err.statusCode ?? 0) >= 500;
  return false;
}

const retriableItem = (status: number): boolean => status === 429 || status >= 500;

export interface BulkOptions {
  retries: number;
  initialMs?: number;
  maxMs?: number;
}

export async function bulkWrite(client: Client, ops: BulkOp[], opts: BulkOptions): Promise<BulkOutcome> {
  const out: BulkOutcome = { written: 0, existing: 0, rejected: [] };
  let pending = ops;
  try {
    await retry(async () => {
      if (pending.length === 0) return;
      const operations: unknown[] = [];
      for (const o of pending) {
        const meta: Record<string, unknown> = { _index: o.index, _id: o.id };
        if (o.version !== undefined) { meta.version = o.version; meta.version_type = 'external_gte'; }
        operations.push({ [o.op]: meta }, o.doc);
      }
      let res;
      try {
        res = await client.bulk({ operations });
      } catch (err) {
        if (isUnavailable(err)) throw new ForesightError('SINK_UNAVAILABLE', `Elasticsearch bulk failed: ${(err as Error).message}`, { retriable: true, cause: err });
        throw new ForesightError('SINK_UNAVAILABLE', `Elasticsearch refused the bulk request: ${(err as Error).message}`, { retriable: false, cause: err });
      }
      const again: BulkOp[] = [];
      res.items.forEach((item, i) => {
        const r = Object.values(item)[0];
        const op = pending[i]!;
        const status = r?.status ?? 500;
        if (status < 300) out.written++;
        else if (status === 409) out.existing++;
        else if (retriableItem(status)) again.push(op);
        else out.rejected.push({ op, status, error: JSON.stringify(r?.error ?? {}) });
      });
      pending = again;
      if (again.length > 0) throw new ForesightError('SINK_UNAVAILABLE', `${again.length} bulk items refused for now (429/5xx)`, { retriable: true });
    }, { retries: opts.retries, initialMs: opts.initialMs ?? 100, maxMs: opts.maxMs ?? 2000 });
  } catch (err) {
    if (err instanceof ForesightError && err.retriable) throw new BulkUnavailable(err.message, pending, err);
    throw err;
  }
  return out;
}
