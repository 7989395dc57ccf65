import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { renderStatusPage } from '../dashboards/status-page.ts';

/**
 * The daemon's HTTP listener: liveness, readiness, Prometheus metrics, a JSON status and
 * a small status page. Bound to loopback by default; it exposes no control endpoints.
 */
export interface HttpDeps {
  registry: Registry;
  ready: () => boolean;
  status: () => unknown;
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
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(res, 405, 'text/plain', 'method not allowed\n'); return; }
    switch (path) {
      case '/healthz': send(res, 200, 'application/json', '{"ok":true}\n'); return;
      case '/readyz': {
        const ok = deps.ready();
        send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ ready: ok }) + '\n');
        return;
      }
      case '/metrics': send(res, 200, deps.registry.contentType, await deps.registry.metrics()); return;
      case '/api/status': send(res, 200, 'application/json', JSON.stringify(deps.status()) + '\n'); return;
      case '/': send(res, 200, 'text/html; charset=utf-8', renderStatusPage()); return;
      default: send(res, 404, 'text/plain', 'not found\n');
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
