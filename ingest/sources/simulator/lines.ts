import type { Rng } from './rng.ts';

/**
 * Renders simulated requests and events as JSON log lines in Foresight's input shape:
 * {timestamp, service, level, message, latency_ms, status, route, host, trace_id}.
 * Messages come from a few templates with variable parts (paths, ids, durations) so that
 * template mining has something real to do; each incident has a message of its own.
 */

export interface Route {
  method: string;
  /** Path with `{id}` placeholders, e.g. /api/orders/{id}. */
  path: string;
  /** The route as a framework names it, e.g. /api/orders/:id. */
  route: string;
}

export function parseRoutes(specs: readonly string[]): Route[] {
  return specs.map((s) => {
    const sp = s.indexOf(' ');
    const path = s.slice(sp + 1);
    return { method: s.slice(0, sp), path, route: path.replace(/\{id\}/g, ':id') };
  });
}

export type Outcome = 'ok' | 'app_error' | 'deploy_error' | 'saturated' | 'dropped' | 'dependency' | 'upstream';

export interface RequestLine {
  ts: number;
  service: string;
  host: string;
  route: Route;
  latencyMs: number;
  outcome: Outcome;
  /** Latency above which a successful request is logged as a warning. */
  slowMs: number;
  dependency: string;
  version: string | undefined;
  timeoutMs: number;
  /** Share of requests logged (declared in the line as `sample_rate`); omitted when 1. */
  sampleRate: number;
  /** The callee whose error this request passes on (outcome `upstream`). */
  upstream?: string;
}

export function renderRequest(rng: Rng, r: RequestLine): string {
  const path = r.route.path.includes('{id}') ? r.route.path.replace(/\{id\}/g, () => String(1000 + rng.int(9000))) : r.route.path;
  const ms = Math.max(1, Math.round(r.latencyMs));
  const req = `${r.route.method} ${path}`;
  let level: 'info' | 'warn' | 'error' = 'error';
  let status = 503;
  let message: string;
  switch (r.outcome) {
    case 'ok':
      status = 200;
      level = ms > r.slowMs ? 'warn' : 'info';
      message = level === 'warn' ? `slow request: ${req} took ${ms} ms` : `${req} completed in ${ms} ms`;
      break;
    case 'app_error':
      status = 500;
      message = rng.next() < 0.5 ? `${req} failed: internal server error` : `${req} failed: database deadlock detected, transaction rolled back`;
      break;
    case 'deploy_error':
      status = 500;
      message = `${req} failed: TypeError: Cannot read properties of undefined (reading 'items') [${r.version ?? 'unknown'}]`;
      break;
    case 'saturated':
      message = `${req} rejected: too many concurrent requests`;
      break;
    case 'dropped':
      message = `${req} timed out after ${Math.round(r.timeoutMs)} ms waiting in queue`;
      break;
    case 'dependency':
      message = `upstream ${r.dependency} connection refused (pool exhausted)`;
      break;
    case 'upstream':
      status = 502;
      message = `${req} failed: upstream ${r.upstream ?? r.dependency} returned an error`;
      break;
  }
  return JSON.stringify({
    timestamp: new Date(r.ts).toISOString(),
    service: r.service,
    level,
    message,
    latency_ms: ms,
    status,
    route: r.route.route,
    host: r.host,
    trace_id: rng.hex32(),
    ...(r.sampleRate < 1 ? { sample_rate: r.sampleRate } : {}),
  });
}

/** A line that is not a request: deploys, replicas starting, GC pressure. */
export function renderEvent(ts: number, service: string, host: string, level: 'info' | 'warn', message: string): string {
  return JSON.stringify({ timestamp: new Date(ts).toISOString(), service, level, message, host });
}
