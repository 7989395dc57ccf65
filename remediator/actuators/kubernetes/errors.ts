/**
 * The actuator's view of a Kubernetes API error, kept apart from api.ts so that the actuator
 * can tell errors apart without loading @kubernetes/client-node (loaded lazily, see index.ts).
 */

/** An API error: `code` 0 for network errors and timeouts. */
export class KubeApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'KubeApiError';
  }
}

/** `HTTP 403 Forbidden: <the API server's message>` */
export function describe(err: unknown): string {
  if (err instanceof KubeApiError) return err.code ? `HTTP ${err.code} ${err.reason}: ${err.message}` : `${err.reason}: ${err.message}`;
  return (err as Error).message ?? String(err);
}
