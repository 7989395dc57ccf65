import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import YAML from 'yaml';
import { runCli, startCli, until } from './helpers.ts';
import { CHROMIUM } from '../../scripts/ensure-chromium.mjs';
import type { ActionRecord } from '../../remediator/types.ts';

const TOKEN = 'approval-e2e-token-0123456789';

interface Pending { approvalEnabled: boolean; actions: ActionRecord[] }

// Approval mode on the simulated memory leak: every action waits as `pending` until a person
// approves it through the HTTP API (bearer token), the CLI, or the status page in Chromium.
test('pending actions are approved through the API (401 without the token), the CLI and the status page', { timeout: 300_000 }, async () => {
  const t0 = Date.now();
  const step = (what: string): void => { console.error(`[approval e2e] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`); };
  const dir = mkdtempSync(join(tmpdir(), 'foresight-approval-'));
  const cfg = join(dir, 'foresight.yaml');
  writeFileSync(cfg, YAML.stringify({
    log: { level: 'info' },
    http: { port: 0, adminToken: TOKEN },
    source: { kind: 'simulator', simulator: { scenario: 'memory-leak', seed: 7, speed: 3000 } },
    remediator: { mode: 'approval', actuators: ['log', 'simulator'], cooldownMs: 300_000 },
    services: { checkout: { sloP95Ms: 300, minReplicas: 4, maxReplicas: 16 } },
    stores: { dir: join(dir, 'var') },
  }));
  const d = startCli(['run', '--config', cfg], { cwd: dir });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const url = await until('the listening line', 60_000, async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.stderr())?.[1]);
    const pendingOne = async (): Promise<ActionRecord | undefined> => ((await (await fetch(`${url}/api/actions/pending`)).json()) as Pending).actions[0];
    const first = await until('a pending action', 120_000, pendingOne);
    step('first pending action');
    assert.equal(first.status, 'pending');
    assert.ok(Date.parse(first.approval!.expiresAt) > Date.parse(first.approval!.requestedAt));

    // Without the token, or with a wrong one: 401, and nothing changes.
    const post = (id: string, verb: string, auth?: string): Promise<Response> => fetch(`${url}/api/actions/${id}/${verb}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify({ by: 'alice' }),
    });
    assert.equal((await post(first.actionId, 'approve')).status, 401);
    assert.equal((await post(first.actionId, 'approve', `Bearer ${TOKEN}x`)).status, 401);
    assert.equal((await pendingOne())?.actionId, first.actionId);

    const ok = await post(first.actionId, 'approve', `Bearer ${TOKEN}`);
    assert.equal(ok.status, 200);
    const approved = ((await ok.json()) as { action: ActionRecord }).action;
    assert.equal(approved.status, 'executed');
    assert.equal(approved.approval?.decision, 'approved');
    assert.equal(approved.approval?.by, 'alice');
    assert.match(approved.actuator, /simulator/);
    // A second decision on the same action is a conflict, not a second scale-out.
    assert.equal((await post(first.actionId, 'reject', `Bearer ${TOKEN}`)).status, 409);

    // The next pending action, rejected with the CLI (token from the same config).
    const second = await until('a second pending action', 120_000, async () => { const a = await pendingOne(); return a && a.actionId !== first.actionId ? a : undefined; });
    step('second pending action');
    const cli = await runCli(['reject', second.actionId, '--config', cfg, '--url', url, '--by', 'bob'], { cwd: dir });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`${second.actionId}: rejected`));

    step('rejected with the CLI');
    // The third, approved on the status page.
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#approval-token', TOKEN);
    await page.dispatchEvent('#approval-token', 'change');
    await page.fill('#approval-by', 'carol');
    await page.dispatchEvent('#approval-by', 'change');
    const row = await page.waitForSelector('#pending tbody tr[data-action-id]', { timeout: 120_000 });
    const third = await row.getAttribute('data-action-id');
    assert.ok(third && third !== first.actionId && third !== second.actionId);
    await page.click(`#pending tbody tr[data-action-id="${third}"] button.approve`);
    await page.waitForSelector(`#approval-msg:has-text("${third}: ")`, { timeout: 30_000 });
    assert.match((await page.textContent('#approval-msg')) ?? '', /: (executed|failed)$/);
    step('approved on the page');
    await page.screenshot({ path: join(dir, 'approvals.png'), fullPage: true });
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0, d.stderr().slice(-2000));

    // The records on disk: who decided and when, for each of the three.
    const records = readFileSync(join(dir, 'var', 'actions.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ActionRecord);
    const last = (id: string): ActionRecord => records.filter((r) => r.actionId === id).at(-1)!;
    assert.deepEqual([first.actionId, second.actionId, third].map((id) => [last(id).approval?.decision, last(id).approval?.by]),
      [['approved', 'alice'], ['rejected', 'bob'], ['approved', 'carol']]);
    assert.ok(records.some((r) => r.actionId === first.actionId && r.status === 'pending'), 'the pending version is recorded too');
  } finally {
    await browser.close();
    d.child.kill('SIGTERM');
    await d.exited;
  }
});
