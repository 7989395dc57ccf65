import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, until } from './helpers.ts';

const TOKEN = 'reload-test-token-0123456789';

function config(dir: string, opts: { slo: number; port?: number; extra?: string }): string {
  return `
http: { host: 127.0.0.1, port: ${opts.port ?? 0}, adminToken: ${TOKEN} }
source: { kind: simulator, simulator: { scenario: demo, seed: 1, speed: 120 } }
remediator: { mode: dry_run, actuators: [log, simulator] }
services:
  checkout: { sloP95Ms: ${opts.slo} }
  orders: { sloP95Ms: 250 }
stores: { dir: ${join(dir, 'var')} }
${opts.extra ?? ''}`;
}

interface Status { watermark: number; serviceList: Array<{ service: string; sloP95Ms?: number }> }

// SIGHUP re-reads the config: live keys are applied, a change to the source or the port is
// refused naming the key, an invalid file is refused, and the daemon keeps running throughout;
// POST /api/reload does the same behind the admin token.
test('SIGHUP and POST /api/reload: applied, refused by key, refused when invalid; the old config stays', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-reload-'));
  const file = join(dir, 'foresight.yaml');
  writeFileSync(file, config(dir, { slo: 300 }));
  const d = startCli(['run', '--config', file], { cwd: dir });
  const logged = (re: RegExp, from: number) => until(`a log line ${re}`, 60_000, async () => d.stderr().slice(from).split('\n').find((l) => re.test(l)));
  try {
    const url = await until('the listening line', 60_000, async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.stderr())?.[1]);
    const status = async (): Promise<Status> => (await fetch(`${url}/api/status`)).json() as Promise<Status>;
    const sloOf = (s: Status): number | undefined => s.serviceList.find((x) => x.service === 'checkout')?.sloP95Ms;
    await until('checkout at SLO 300', 60_000, async () => (sloOf(await status()) === 300 ? true : undefined));

    // 1. Applied: a new SLO and guardrail, at the next batch.
    writeFileSync(file, config(dir, { slo: 333, extra: 'detector: { breach: { raiseProbability: 0.8 } }' }));
    let mark = d.stderr().length;
    d.child.kill('SIGHUP');
    const applied = JSON.parse(await logged(/config reloaded/, mark)) as { changed: string[] };
    assert.deepEqual(applied.changed, ['detector.breach.raiseProbability', 'services.checkout.sloP95Ms']);
    await until('checkout at SLO 333', 30_000, async () => (sloOf(await status()) === 333 ? true : undefined));

    // 2. Refused: the port and the source cannot change live; nothing of the file applies.
    writeFileSync(file, config(dir, { slo: 444, port: 1, extra: 'detector: { breach: { raiseProbability: 0.8 } }' }).replace('seed: 1', 'seed: 2'));
    mark = d.stderr().length;
    d.child.kill('SIGHUP');
    const refused = JSON.parse(await logged(/config reload refused/, mark)) as { refused: string[]; msg: string };
    assert.deepEqual(refused.refused, ['http.port', 'source.simulator.seed']);
    assert.match(refused.msg, /http\.port, source\.simulator\.seed cannot change while the daemon runs/);
    const at = (await status()).watermark;
    await until('two more windows', 30_000, async () => ((await status()).watermark >= at + 120_000 ? true : undefined));
    assert.equal(sloOf(await status()), 333);

    // 3. Refused: an invalid file (unknown key) names the key; the daemon keeps running.
    writeFileSync(file, config(dir, { slo: 444, extra: 'detector: { breach: { raiseProbabilty: 0.8 } }' }));
    mark = d.stderr().length;
    d.child.kill('SIGHUP');
    const invalid = JSON.parse(await logged(/config reload refused/, mark)) as { code: string; msg: string };
    assert.equal(invalid.code, 'CONFIG_INVALID');
    assert.match(invalid.msg, /detector.breach: Unrecognized key: "raiseProbabilty"/);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal(sloOf(await status()), 333);

    // 4. POST /api/reload does what SIGHUP does, with the admin token only.
    const post = (token?: string): Promise<Response> => fetch(`${url}/api/reload`, { method: 'POST', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    writeFileSync(file, config(dir, { slo: 555 }));
    assert.equal((await post()).status, 401);
    assert.equal((await post('not-the-token-0123456789')).status, 401);
    assert.equal(sloOf(await status()), 333);
    const ok = await post(TOKEN);
    const body = await ok.json() as { ok: boolean; changed: string[] };
    assert.equal(ok.status, 200, JSON.stringify(body));
    assert.deepEqual(body, { ...body, ok: true, changed: ['detector.breach.raiseProbability', 'services.checkout.sloP95Ms'] });
    await until('checkout at SLO 555', 30_000, async () => (sloOf(await status()) === 555 ? true : undefined));
    writeFileSync(file, config(dir, { slo: 666, port: 1 }));
    const no = await post(TOKEN);
    const refusedBody = await no.json() as { ok: boolean; refused: string[] };
    assert.equal(no.status, 409);
    assert.deepEqual(refusedBody.refused, ['http.port']);
    assert.equal(sloOf(await status()), 555);
  } finally {
    d.child.kill('SIGTERM');
  }
  assert.equal(await d.exited, 0, d.stderr().slice(-2000));
});
