import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ForesightError } from '../core/errors.ts';
import { renderStatusPage, staticAsset } from '../dashboards/status-page.ts';
import type { SeriesStore } from '../dashboards/series.ts';
import type { ActionRecord } from '../remediator/types.ts';
import type { ApprovalDecision } from '../remediator/index.ts';

/**
 * The daemon's HTTP listener: liveness, readiness, Prometheus metrics, a JSON status, a
 * small status page, and the approval endpoints. Bound to loopback by default.
 *
 *   GET  /healthz /readyz /metrics /api/status /api/series /api/overview /api/actions/pending /
 *   POST /api/actions/{id}/approve | /api/actions/{id}/reject   (Authorization: Bearer <http.adminToken>)
 *   POST /api/reload                                            (the same token; as SIGHUP)
 *
 * Every state-changing endpoint needs the admin token; reads never do. Without a configured
 * token the POST endpoints answer 403, so approval cannot be opened up by accident.
 */
export interface HttpDeps {
  registry: Registry;
  ready: () => boolean;
  status: () => unknown;
  /** Chart data for `/api/series` and `/api/overview`; without it they answer 404. */
  series?: SeriesStore;
  /** Actions waiting for a person. */
  pending?: () => ActionRecord[];
  /** Approve or reject; throws APPROVAL_INVALID when the action is not pending. */
  decide?: (actionId: string, decision: ApprovalDecision, by: string, comment?: string) => Promise<ActionRecord>;
  adminToken?: string;
  /** Re-reads the config as SIGHUP does (daemon/run.ts); without it POST /api/reload is 404. */
  reload?: (trigger: string) => ReloadResult;
}

/** What a reload did: the keys applied, or why nothing was (the running config stays). */
export interface ReloadResult {
  ok: boolean;
  changed: string[];
  /** Keys that cannot change while the daemon runs. */
  refused: string[];
  error?: string;
  configHash: string;
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

function send(res: ServerResponse, code: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, code, 'application/json', JSON.stringify(body) + '\n', headers);
}

const MAX_BODY = 16 * 1024;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ForesightError('INPUT_INVALID', `request body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { throw new ForesightError('INPUT_INVALID', 'request body is not JSON'); }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ForesightError('INPUT_INVALID', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A short printable name for the approver; log-derived text never reaches here, but people type it. */
function approverName(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/[^\p{L}\p{N} ._@+-]/gu, '').trim().slice(0, 80);
  return s || undefined;
}

const DECIDE = /^\/api\/actions\/([A-Za-z0-9_.:-]{1,200})\/(approve|reject)$/;

export async function startHttp(host: string, port: number, deps: HttpDeps): Promise<HttpServer> {
  /** 403 without a configured token or the feature (what), 401 without the right bearer. */
  function authorized(req: IncomingMessage, res: ServerResponse, what: string, available = true): boolean {
    if (!deps.adminToken || !available) {
      json(res, 403, { error: 'FORBIDDEN', message: `${what} over HTTP is off: set http.adminToken or http.adminTokenFile` });
      return false;
    }
    if (!tokenMatches(req.headers.authorization, deps.adminToken)) {
      json(res, 401, { error: 'UNAUTHORIZED', message: 'a bearer token (http.adminToken) is required' }, { 'www-authenticate': 'Bearer realm="foresight"' });
      return false;
    }
    return true;
  }

  async function decide(req: IncomingMessage, res: ServerResponse, id: string, verb: 'approve' | 'reject'): Promise<void> {
    const decideAction = deps.decide;
    if (!authorized(req, res, 'approval', decideAction !== undefined) || !decideAction) return;
    let body: Record<string, unknown>;
    try {
      body = await readBody(req);
    } catch (err) {
      json(res, 400, { error: 'INPUT_INVALID', message: (err as Error).message });
      return;
    }
    const by = approverName(body.by) ?? 'admin-token';
    const comment = typeof body.comment === 'string' ? body.comment.slice(0, 500) : undefined;
    try {
      const record = await decideAction(id, verb, by, comment);
      json(res, 200, { action: record });
    } catch (err) {
      if (err instanceof ForesightError && err.code === 'APPROVAL_INVALID') {
        json(res, (err.details?.status ?? null) === null ? 404 : 409, { error: err.code, message: err.message });
        return;
      }
      throw err;
    }
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'POST') {
      const m = DECIDE.exec(path);
      if (m) { await decide(req, res, m[1]!, m[2] as 'approve' | 'reject'); return; }
      if (path === '/api/reload' && deps.reload) {
        if (!authorized(req, res, 'reload')) return;
        // 200 applied (or nothing changed); 409 refused, the running config stays.
        const outcome = deps.reload('POST /api/reload');
        json(res, outcome.ok ? 200 : 409, outcome);
        return;
      }
      send(res, 404, 'text/plain', 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD, POST' }); return; }
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
      case '/api/actions/pending': json(res, 200, { approvalEnabled: Boolean(deps.adminToken && deps.decide), actions: deps.pending?.() ?? [] }); return;
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
