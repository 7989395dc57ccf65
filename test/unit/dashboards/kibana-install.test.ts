import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportObjects, importObjects } from '../../../dashboards/kibana/client.ts';
import type { ForesightError } from '../../../core/errors.ts';
import { runCli } from '../../e2e/helpers.ts';

// A real HTTP server that keeps the contract of Kibana's saved-objects import and export
// endpoints as documented (kbn-xsrf required, multipart `file` with an .ndjson name,
// overwrite flag, per-object errors such as missing_references, spaces under /s/<id>,
// 401 without valid credentials). Kibana itself is not installable here, so the import was
// never run against a real Kibana.
const SHIPPED = readFileSync(new URL('../../../dashboards/kibana/foresight.ndjson', import.meta.url), 'utf8');
const SPACES = new Set(['default', 'ops']);
const API_KEY = 'a2V5OnNlY3JldA==';
let server: Server;
let url: string;
const stored = new Map<string, Map<string, string>>();
const seen: Array<{ path: string; overwrite: string | null; auth: string | undefined }> = [];

function reply(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  res.writeHead(code, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

before(async () => {
  server = createServer((req, res) => void (async () => {
    const u = new URL(req.url ?? '/', 'http://kibana');
    const m = /^(?:\/s\/([a-z0-9_-]+))?\/api\/saved_objects\/(_import|_export)$/.exec(u.pathname);
    if (!m || req.method !== 'POST') return reply(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    const space = m[1] ?? 'default';
    seen.push({ path: u.pathname, overwrite: u.searchParams.get('overwrite'), auth: req.headers.authorization });
    if (req.headers.authorization !== `ApiKey ${API_KEY}` && req.headers.authorization !== `Basic ${Buffer.from('elastic:changeme').toString('base64')}`) {
      return reply(res, 401, { statusCode: 401, error: 'Unauthorized', message: '[security_exception]: unable to authenticate user' });
    }
    if (!SPACES.has(space)) return reply(res, 404, { statusCode: 404, error: 'Not Found', message: `Saved object [space/${space}] not found` });
    if (!req.headers['kbn-xsrf']) return reply(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' });
    const raw = await body(req);
    const objects = stored.get(space) ?? new Map<string, string>();
    stored.set(space, objects);
    if (m[2] === '_export') {
      const ask = JSON.parse(raw.toString()) as { objects: Array<{ type: string; id: string }>; includeReferencesDeep: boolean };
      const out = new Map<string, string>();
      const visit = (key: string): void => {
        const line = objects.get(key);
        if (!line || out.has(key)) return;
        out.set(key, line);
        if (ask.includeReferencesDeep) for (const r of (JSON.parse(line) as { references: Array<{ type: string; id: string }> }).references) visit(`${r.type}:${r.id}`);
      };
      for (const o of ask.objects) visit(`${o.type}:${o.id}`);
      return reply(res, 200, [...out.values(), JSON.stringify({ excludedObjects: [], exportedCount: out.size, missingRefCount: 0, missingReferences: [] })].join('\n'), 'application/ndjson');
    }
    const form = await new Request('http://kibana/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: raw }).formData();
    const file = form.get('file');
    if (!(file instanceof Blob)) return reply(res, 400, { statusCode: 400, error: 'Bad Request', message: '[request body.file]: expected value of type [Stream]' });
    if (!(file as File).name.endsWith('.ndjson')) return reply(res, 400, { statusCode: 400, error: 'Bad Request', message: `Invalid file extension ${(file as File).name}` });
    const lines = (await file.text()).split('\n').filter((l) => l.trim() !== '');
    const incoming = lines.map((l) => JSON.parse(l) as { type: string; id: string; attributes: { title?: string }; references: Array<{ type: string; id: string }> });
    const keys = new Set(incoming.map((o) => `${o.type}:${o.id}`));
    const errors: unknown[] = [];
    let successCount = 0;
    for (const [i, o] of incoming.entries()) {
      const missing = o.references.filter((r) => !keys.has(`${r.type}:${r.id}`) && !objects.has(`${r.type}:${r.id}`));
      if (missing.length > 0) { errors.push({ id: o.id, type: o.type, title: o.attributes.title, meta: { title: o.attributes.title }, error: { type: 'missing_references', references: missing } }); continue; }
      if (objects.has(`${o.type}:${o.id}`) && u.searchParams.get('overwrite') !== 'true') { errors.push({ id: o.id, type: o.type, title: o.attributes.title, error: { type: 'conflict' } }); continue; }
      objects.set(`${o.type}:${o.id}`, lines[i]!);
      successCount++;
    }
    reply(res, 200, { success: errors.length === 0, successCount, errors, successResults: [] });
  })().catch((err: unknown) => reply(res, 500, { message: String(err) })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

const env = { KIBANA_API_KEY: API_KEY };

test('install imports every shipped object into the default space, overwriting; a second install overwrites cleanly', async () => {
  const lines = SHIPPED.trimEnd().split('\n').length;
  assert.deepEqual(await importObjects({ url, env }, SHIPPED), { successCount: lines, errors: [] });
  assert.deepEqual(await importObjects({ url, env }, SHIPPED), { successCount: lines, errors: [] });
  assert.equal(stored.get('default')?.size, lines);
  assert.equal(seen.at(-1)?.overwrite, 'true');
});

test('the CLI: dashboards install into a space with basic auth from the environment, exit 0', async () => {
  const r = await runCli(['dashboards', 'install', '--kibana', url, '--space', 'ops'], { env: { KIBANA_USERNAME: 'elastic', KIBANA_PASSWORD: 'changeme', KIBANA_API_KEY: '' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`imported ${SHIPPED.trimEnd().split('\n').length} saved objects into .* \\(space ops\\)`));
  assert.equal(seen.at(-1)?.path, '/s/ops/api/saved_objects/_import');
});

test('clear errors: bad credentials, an unknown space, Kibana not there, objects refused', async () => {
  await assert.rejects(importObjects({ url, env: { KIBANA_API_KEY: 'wrong' } }, SHIPPED), (e: ForesightError) => e.code === 'KIBANA_FAILED' && /refused the request \(401\).*KIBANA_API_KEY/.test(e.message));
  await assert.rejects(importObjects({ url, space: 'nope', env }, SHIPPED), /is there a space "nope"/);
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  const port = (gone.address() as AddressInfo).port;
  await new Promise<void>((r) => gone.close(() => r()));
  await assert.rejects(importObjects({ url: `http://127.0.0.1:${port}`, env }, SHIPPED), new RegExp(`cannot reach Kibana at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  await assert.rejects(importObjects({ url, env: { KIBANA_USERNAME: 'u' } }, SHIPPED), /go together/);
  // A dashboard alone, into an empty space: its visualizations are missing.
  const dash = SHIPPED.split('\n').find((l) => l.includes('"id":"foresight-overview"'))!;
  const r = await importObjects({ url, space: 'ops', env }, SHIPPED);
  assert.equal(r.errors.length, 0);
  stored.delete('ops');
  const refused = await importObjects({ url, space: 'ops', env }, dash + '\n');
  assert.equal(refused.successCount, 0);
  assert.match(refused.errors[0]!, /^dashboard foresight-overview \("Foresight overview"\): missing_references: missing visualization foresight-p95-vs-slo/);
  const dir = mkdtempSync(join(tmpdir(), 'foresight-kibana-'));
  writeFileSync(join(dir, 'one.ndjson'), dash + '\n');
  const cli = await runCli(['dashboards', 'install', '--kibana', url, '--space', 'ops', '--file', join(dir, 'one.ndjson')], { env });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /not imported: dashboard foresight-overview/);
});

test('export writes back the two dashboards and everything they reference, sorted, without the summary line', async () => {
  await importObjects({ url, env }, SHIPPED);
  const out = await exportObjects({ url, env }, [{ type: 'dashboard', id: 'foresight-overview' }, { type: 'dashboard', id: 'foresight-replay-vs-live' }]);
  const got = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; id: string });
  assert.ok(!out.includes('exportedCount'));
  assert.deepEqual(got.map((o) => o.type).slice(-2), ['dashboard', 'dashboard']);
  // Every shipped object is reachable from a dashboard, so the export is the shipped set.
  const shipped = SHIPPED.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; id: string });
  const key = (o: { type: string; id: string }): string => `${o.type}:${o.id}`;
  const views = shipped.filter((o) => o.type === 'index-pattern').map(key);
  const referenced = new Set(got.map(key));
  assert.deepEqual(shipped.map(key).filter((k) => !referenced.has(k) && !views.includes(k)), [], 'every visualization is on a dashboard');
});
