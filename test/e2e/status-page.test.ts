import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startCli, until } from './helpers.ts';
import { CHROMIUM } from '../../scripts/ensure-chromium.mjs';

// The status page as a person sees it: a real Chromium renders it while the daemon runs.
test('the status page renders services, detections and actions from the running daemon', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-page-'));
  const d = startCli(['run'], { cwd: dir, env: { FORESIGHT_HTTP__PORT: '0' } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling Google's hosts,
    // which this closed network refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const url = await until('the listening line', 60_000, async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.stderr())?.[1]);
    const page = await browser.newPage();
    await page.goto(url);
    assert.equal(await page.title(), 'Foresight status');
    // The page polls every 2 s; wait until the daemon has acted and the page shows it.
    await page.waitForSelector('#actions tbody tr', { timeout: 90_000 });
    const services = await page.$$eval('#services tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(services, ['checkout', 'orders', 'payments']);
    assert.match(await page.textContent('#slots') ?? '', /^Forecasting slots: 3 of 1000 in use, 0 waiting, 0 idle evicted, 0 refused at the cap$/);
    const detections = await page.$$eval('#detections tbody tr', (rows) => rows.length);
    assert.ok(detections > 0);
    const mode = await page.textContent('#mode');
    assert.match(mode ?? '', /dry_run/);
    const shot = join(dir, 'status.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  } finally {
    await browser.close();
    d.child.kill('SIGTERM');
    await d.exited;
  }
});
