import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { renderStatusPage, staticAsset } from '../dashboards/status-page.ts';
import type { SeriesStore } from '../dashboards/series.ts';

/**
 * The daemon's HTTP listener: liveness, readiness, Prometheus metrics, a JSON status and
 * a small status page. Bound to loopback by default; it exposes no control endpoints.
 */
export interface HttpDeps {
  registry: Registry;
  ready: () => boolean;
  status: () => unknown;
  /** Chart data for `/api/series` and `/api/overview`; without it they answer 404. */
  series?: SeriesStore;
}

const HOUR = 3600_000;

/** A time query parameter: epoch ms or ISO-8601; undefined when absent, NaN when unreadable. */
function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}

/** `from`/`to` of a chart query (or `span` ms back from `to`); the last hour before the newest window by default. */
function range(q: URLSearchParams, now: number): { from: number; to: number } | string {
  const to = timeParam(q, 'to') ?? now;
  const span = q.get('span');
  if (span !== null && !/^\d+$/.test(span)) return 'span is a number of milliseconds';
  const from = timeParam(q, 'from') ?? to - (span === null ? HOUR : Number(span));
  if (!Number.isFinite(from) || !Number.isFinite(to)) return 'from and to are epoch milliseconds or ISO-8601 times';
  if (from > to) return 'from is after to';
  return { from, to };
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export async function startHttp(host: string, port: number, deps: HttpDeps): Promise<HttpServer> {
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(res, 405, 'text/plain', 'method not allowed\n'); return; }
    switch (path) {
      case '/favicon.ico': res.writeHead(204); res.end(); return;
      case '/healthz': send(res, 200, 'application/json', '{"ok":true}\n'); return;
      case '/readyz': {
        const ok = deps.ready();
        send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ ready: ok }) + '\n');
        return;
      }
      case '/metrics': send(res, 200, deps.registry.contentType, await deps.registry.metrics()); return;
      case '/api/status': send(res, 200, 'application/json', JSON.stringify(deps.status()) + '\n'); return;
      case '/api/series':
      case '/api/overview': {
        if (!deps.series) { send(res, 404, 'text/plain', 'not found\n'); return; }
        const r = range(url.searchParams, deps.series.now);
        if (typeof r === 'string') { send(res, 400, 'application/json', JSON.stringify({ error: r }) + '\n'); return; }
        if (path === '/api/overview') {
          const points = Math.min(240, Math.max(2, Number(url.searchParams.get('points') ?? 60) || 60));
          send(res, 200, 'application/json', JSON.stringify({ now: deps.series.now, ...r, dropped: deps.series.dropped, services: deps.series.overview(r.from, r.to, points) }) + '\n');
          return;
        }
        const service = url.searchParams.get('service');
        if (!service) { send(res, 400, 'application/json', JSON.stringify({ error: 'service is required' }) + '\n'); return; }
        const data = deps.series.get(service, r.from, r.to);
        if (!data) { send(res, 404, 'application/json', JSON.stringify({ error: 'no such service' }) + '\n'); return; }
        send(res, 200, 'application/json', JSON.stringify({ now: deps.series.now, ...data }) + '\n');
        return;
      }
      case '/': send(res, 200, 'text/html; charset=utf-8', renderStatusPage()); return;
      default: {
        const asset = staticAsset(path);
        if (asset) { res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'max-age=3600' }); res.end(asset.body); return; }
        send(res, 404, 'text/plain', 'not found\n');
      }
    }
  };
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => send(res, 500, 'text/plain', `internal error: ${(err as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => {
      closed ??= new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      return closed;
    },
  };
}
