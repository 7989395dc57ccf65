/**
 * Kibana's saved-objects import and export APIs, for `foresight dashboards install|export`.
 *
 *   install: POST <kibana>[/s/<space>]/api/saved_objects/_import?overwrite=true
 *            multipart/form-data, field `file` = the NDJSON; answers
 *            { success, successCount, errors: [{ id, type, title, error: { type, ... } }] }
 *   export:  POST <kibana>[/s/<space>]/api/saved_objects/_export
 *            { objects: [{ type, id }], includeReferencesDeep: true } → NDJSON, whose last
 *            line is a summary ({ exportedCount, missingRefCount, ... }), dropped here
 *
 * Both send `kbn-xsrf` (Kibana refuses writes without it) and credentials from the
 * environment: KIBANA_API_KEY (an encoded API key), or KIBANA_USERNAME and KIBANA_PASSWORD.
 */
import { ForesightError } from '../../core/errors.ts';

export interface KibanaTarget {
  /** Kibana's base URL, e.g. http://localhost:5601 (a base path, if any, included). */
  url: string;
  space?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface ImportResult {
  successCount: number;
  /** One line per object Kibana refused, naming it and why. */
  errors: string[];
}

export function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const key = env.KIBANA_API_KEY;
  const user = env.KIBANA_USERNAME;
  const pass = env.KIBANA_PASSWORD;
  if (key && (user || pass)) throw new ForesightError('USAGE', 'set either KIBANA_API_KEY or KIBANA_USERNAME/KIBANA_PASSWORD, not both');
  if (key) return { authorization: `ApiKey ${key}` };
  if ((user === undefined) !== (pass === undefined)) throw new ForesightError('USAGE', 'KIBANA_USERNAME and KIBANA_PASSWORD go together');
  if (user !== undefined && pass !== undefined) return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  return {};
}

function endpoint(t: KibanaTarget, api: string): URL {
  let base: URL;
  try {
    base = new URL(t.url);
  } catch (err) {
    throw new ForesightError('USAGE', `--kibana ${t.url} is not a URL`, { cause: err });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ForesightError('USAGE', `--kibana ${t.url}: http or https only`);
  if (t.space !== undefined && !/^[a-z0-9_-]+$/.test(t.space)) throw new ForesightError('USAGE', `--space ${t.space}: a space id is lower-case letters, digits, _ and -`);
  const path = base.pathname.replace(/\/+$/, '') + (t.space && t.space !== 'default' ? `/s/${t.space}` : '') + api;
  return new URL(path + base.search, base);
}

async function call(t: KibanaTarget, api: string, init: RequestInit): Promise<Response> {
  const url = endpoint(t, api);
  const headers = { 'kbn-xsrf': 'foresight', ...authHeaders(t.env ?? process.env), ...(init.headers as Record<string, string> | undefined) };
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(t.timeoutMs ?? 30_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const why = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (err as Error).message;
    throw new ForesightError('KIBANA_FAILED', `cannot reach Kibana at ${url.origin} (${why})`, { retriable: true, cause: err });
  }
  if (res.ok) return res;
  const body = (await res.text()).slice(0, 500);
  let message = body;
  try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* not JSON */ }
  if (res.status === 401 || res.status === 403) {
    throw new ForesightError('KIBANA_FAILED', `Kibana refused the request (${res.status}): ${message}. Set KIBANA_API_KEY, or KIBANA_USERNAME and KIBANA_PASSWORD, for a user allowed to manage saved objects${t.space ? ` in space "${t.space}"` : ''}`);
  }
  if (res.status === 404 && t.space) throw new ForesightError('KIBANA_FAILED', `Kibana answered 404 for ${url.pathname}: is there a space "${t.space}"? (${message})`);
  throw new ForesightError('KIBANA_FAILED', `Kibana answered ${res.status} for ${url.pathname}: ${message}`, { retriable: res.status >= 500 });
}

interface ImportError { id?: string; type?: string; title?: string; meta?: { title?: string }; error?: { type?: string; message?: string; references?: Array<{ type: string; id: string }> } }

function describe(e: ImportError): string {
  const what = `${e.type ?? '?'} ${e.id ?? '?'}${e.title ?? e.meta?.title ? ` ("${e.title ?? e.meta?.title}")` : ''}`;
  const err = e.error ?? {};
  const refs = err.references?.length ? `: missing ${err.references.map((r) => `${r.type} ${r.id}`).join(', ')}` : '';
  return `${what}: ${err.type ?? 'error'}${err.message ? ` ${err.message}` : ''}${refs}`;
}

/** Imports NDJSON saved objects, replacing existing ones with the same ids. */
export async function importObjects(t: KibanaTarget, ndjson: string, filename = 'foresight.ndjson'): Promise<ImportResult> {
  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), filename);
  const res = await call(t, '/api/saved_objects/_import?overwrite=true', { method: 'POST', body: form });
  const body = (await res.json()) as { success?: boolean; successCount?: number; errors?: ImportError[] };
  return { successCount: body.successCount ?? 0, errors: (body.errors ?? []).map(describe) };
}

/** Exports the given objects and everything they reference, as NDJSON (summary line dropped, objects sorted by type and id). */
export async function exportObjects(t: KibanaTarget, objects: Array<{ type: string; id: string }>): Promise<string> {
  const res = await call(t, '/api/saved_objects/_export', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ objects, includeReferencesDeep: true, excludeExportDetails: false }),
  });
  const lines = (await res.text()).split('\n').filter((l) => l.trim() !== '');
  const kept: Array<{ type: string; id: string; line: string }> = [];
  for (const line of lines) {
    let o: { type?: string; id?: string; exportedCount?: number };
    try { o = JSON.parse(line) as typeof o; } catch (err) { throw new ForesightError('KIBANA_FAILED', 'Kibana\'s export is not NDJSON', { cause: err }); }
    if (o.exportedCount !== undefined) continue;
    if (typeof o.type !== 'string' || typeof o.id !== 'string') throw new ForesightError('KIBANA_FAILED', 'Kibana\'s export has a line that is not a saved object');
    kept.push({ type: o.type, id: o.id, line });
  }
  const order = ['index-pattern', 'visualization', 'lens', 'search', 'dashboard'];
  const rank = (type: string): number => (order.includes(type) ? order.indexOf(type) : order.length);
  kept.sort((a, b) => rank(a.type) - rank(b.type) || a.id.localeCompare(b.id));
  return kept.map((k) => k.line).join('\n') + '\n';
}
