/**
 * `foresight approve|reject ACTION_ID [--by NAME] [--comment TEXT] [--url URL] [--config FILE] [--json]`
 * (registered in cli/commands/approve.ts)
 *
 * Asks the running daemon (its HTTP API) to carry out or drop a pending action. The token
 * is the daemon's own `http.adminToken` / `adminTokenFile` (or FORESIGHT_HTTP__ADMIN_TOKEN),
 * read from the same config, so whoever may run this may decide; the URL is the config's
 * http.host:port unless given.
 */
import { userInfo } from 'node:os';
import { ForesightError } from '../core/errors.ts';
import { adminTokenOf, loadConfig } from './config.ts';
import type { ActionRecord } from '../remediator/types.ts';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function defaultUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export interface ApproveOptions {
  configFile?: string | undefined;
  url?: string | undefined;
  by?: string | undefined;
  comment?: string | undefined;
  json: boolean;
}

export async function approveCli(verb: 'approve' | 'reject', id: string, flags: ApproveOptions, io: Io): Promise<number> {
  const { config } = loadConfig(flags.configFile);
  const token = adminTokenOf(config.http);
  if (!token) throw new ForesightError('CONFIG_INVALID', `foresight ${verb}: no admin token: set http.adminToken, http.adminTokenFile or FORESIGHT_HTTP__ADMIN_TOKEN`);
  const base = flags.url ?? defaultUrl(config.http.host, config.http.port);
  let by = flags.by;
  if (!by) { try { by = userInfo().username; } catch { by = 'cli'; } }
  const body = JSON.stringify({ by, ...(flags.comment ? { comment: flags.comment } : {}) });
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/$/, '')}/api/actions/${encodeURIComponent(id)}/${verb}`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    io.stderr.write(`foresight ${verb}: cannot reach the daemon at ${base}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  let parsed: { action?: ActionRecord; message?: string } = {};
  try { parsed = JSON.parse(text) as typeof parsed; } catch { /* not JSON */ }
  if (!res.ok) {
    io.stderr.write(`foresight ${verb}: HTTP ${res.status}: ${parsed.message ?? text.trim()}\n`);
    return 1;
  }
  const a = parsed.action;
  if (flags.json) io.stdout.write(JSON.stringify(a) + '\n');
  else io.stdout.write(`${a?.actionId ?? id}: ${a?.status ?? '?'}${a?.result ? ` (${a.result})` : ''}\n`);
  return 0;
}
