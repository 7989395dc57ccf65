import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { startCli, until } from './helpers.ts';
import { CHROMIUM } from '../../scripts/ensure-chromium.mjs';
import { startHttp } from '../../daemon/http.ts';
import { SeriesStore } from '../../dashboards/series.ts';

// The status page as a person sees it: a real Chromium renders it while the daemon runs.
// Screenshots go to var/test-artifacts/ (ignored by git).
const ARTIFACTS = fileURLToPath(new URL('../../var/test-artifacts/', import.meta.url));
let browser: Browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling Google's hosts,
    // which this closed network refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => { await browser?.close(); });

/** Pixels with any ink on each canvas inside `selector` (uPlot draws on a transparent canvas). */
function inked(page: Page, selector: string): Promise<number[]> {
  // Browser code as a string: the project's TypeScript has no DOM types.
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(`${selector} canvas`)})].map((cv) => {
    const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  })`);
}

/** Waits for a browser-side condition given as an expression. */
function browserUntil(page: Page, expr: string, timeout: number): Promise<unknown> {
  return page.waitForFunction(expr, undefined, { timeout });
}

interface Detection { kind: string; service: string; at: number }

test('the status page charts a running daemon: p95 vs SLO with forecast band and markers, replicas, sparklines; a predicted breach is drawn within one poll', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-page-'));
  const d = startCli(['run'], { cwd: dir, env: { FORESIGHT_HTTP__PORT: '0' } });
  try {
    const url = await until('the listening line', 60_000, async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.stderr())?.[1]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    assert.equal(await page.title(), 'Foresight status');
    // The daemon's own record of its first predicted breach, watched closely (every 100 ms),
    // and the page's poll count at that moment.
    const polls = async (): Promise<number> => Number(await page.getAttribute('body', 'data-polls') ?? 0);
    const first = await until('the first predicted breach', 150_000, async () => {
      const s = await (await fetch(`${url}/api/status`)).json() as { recentDetections: Detection[] };
      const b = s.recentDetections.find((x) => x.kind === 'predicted_breach');
      return b ? { detection: b, poll: await polls() } : undefined;
    });
    const service = first.detection.service;
    // The page follows the service in trouble; the marker must be there by the first poll
    // that started after the detection (the one in flight may have missed it).
    await browserUntil(page, `Number(document.getElementById('chart-latency')?.dataset.breachMarkers ?? 0) > 0 || Number(document.body.dataset.polls) > ${first.poll + 2}`, 30_000);
    const markerPoll = await polls();
    const markers = Number(await page.getAttribute('#chart-latency', 'data-breach-markers'));
    assert.ok(markers > 0, `a breach marker is drawn (poll ${markerPoll}, detection seen at poll ${first.poll})`);
    assert.ok(markerPoll <= first.poll + 2, `within one poll of the detection (poll ${first.poll} → ${markerPoll})`);
    assert.equal(await page.getAttribute('#chart-latency', 'data-service'), service);

    // The marker is ink on the canvas, in the breach colour, where the chart puts it.
    const pixel = await page.evaluate(`(() => {
      const u = window.foresight.latency;
      const i = u.data[6].findIndex((v) => v !== null);
      const x = Math.round(u.valToPos(u.data[0][i], 'x', true));
      const y = Math.round(u.valToPos(u.data[6][i], 'y', true));
      // The marker: the reddest opaque pixel in a small box around its centre.
      let best = [0, 0, 0, 0];
      const px = u.ctx.getImageData(x - 8, y - 8, 17, 17).data;
      for (let k = 0; k < px.length; k += 4) if (px[k + 3] > 200 && px[k] - px[k + 1] > best[0] - best[1]) best = [px[k], px[k + 1], px[k + 2], px[k + 3]];
      return best;
    })()`) as number[];
    assert.ok(pixel[0]! > 150 && pixel[1]! < 90 && pixel[2]! < 90 && pixel[3]! > 200, `red marker pixel, got rgba(${pixel.join(',')})`);

    // The first action comes soon after: the replicas step chart gets drawn too.
    await page.waitForSelector('#chart-replicas canvas', { timeout: 60_000 });
    const latencyInk = await inked(page, '#chart-latency');
    const replicaInk = await inked(page, '#chart-replicas');
    const sparkInk = await inked(page, '#overview');
    assert.ok(latencyInk.every((n) => n > 2000), `latency chart drawn (${latencyInk})`);
    assert.ok(replicaInk.every((n) => n > 500), `replicas chart drawn (${replicaInk})`);
    assert.equal(sparkInk.length, 3, 'one sparkline per service');
    assert.ok(sparkInk.every((n) => n > 100), `sparklines drawn (${sparkInk})`);
    const legend = await page.textContent('#chart-latency .u-legend');
    for (const label of [`${service} p95`, 'SLO', 'forecast p50', 'forecast p90', 'predicted breach', 'action']) assert.ok(legend?.includes(label), `latency legend names "${label}": ${legend}`);
    assert.match(await page.textContent('#chart-replicas .u-legend') ?? '', new RegExp(`${service} replicas`));
    const tiles = await page.$$eval('#overview .tile .name', (els) => els.map((e) => e.textContent));
    assert.deepEqual(tiles, ['checkout', 'orders', 'payments']);

    // The data behind it, as the API serves it.
    const series = await (await fetch(`${url}/api/series?service=${service}`)).json() as { windows: Array<{ p95: number | null; slo: number | null }>; markers: Array<{ kind: string }>; forecast: { p50: number[]; p10: Array<number | null>; p90: Array<number | null> } | null };
    assert.ok(series.windows.length > 10 && series.windows.every((w) => w.slo !== null));
    assert.ok(series.markers.some((m) => m.kind === 'predicted_breach'));
    assert.ok(series.forecast && series.forecast.p50.length > 0 && series.forecast.p90.every((v, k) => v === null || v >= series.forecast!.p50[k]!));
    assert.equal((await fetch(`${url}/api/series?service=${service}&from=x`)).status, 400);
    assert.equal((await fetch(`${url}/api/series?service=nope`)).status, 404);

    // The tables of before are still there.
    await page.waitForSelector('#actions tbody tr', { timeout: 60_000 });
    assert.deepEqual(await page.$$eval('#services tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['checkout', 'orders', 'payments']);
    // The chosen service's log templates, as /api/status lists them (ids are stable, texts may generalise).
    await page.waitForSelector('#templates tbody tr', { timeout: 30_000 });
    const shownFor = await page.getAttribute('#chart-latency', 'data-service');
    const shown = await page.$$eval('#templates tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-template'), tr.children[0]?.textContent]));
    const st = await (await fetch(`${url}/api/status`)).json() as { serviceList: Array<{ service: string; templates: Array<{ id: string; text: string; firstSeen: number; lastSeen: number }> }> };
    const known = st.serviceList.find((x) => x.service === shownFor)?.templates ?? [];
    assert.ok(shown.length > 0 && shown.every(([id, text]) => known.some((t) => t.id === id) && (text ?? '').length > 0), `templates of ${shownFor}: ${JSON.stringify(shown)}`);
    assert.ok(known.every((t) => t.firstSeen <= t.lastSeen));
    assert.match(await page.textContent('#mode') ?? '', /dry_run/);
    assert.match(await page.textContent('#slots') ?? '', /^Forecasting slots: 3 of 1000 in use, 0 waiting, 0 idle evicted, 0 refused at the cap$/);
    assert.deepEqual(errors, [], 'no script errors');
    const shot = join(ARTIFACTS, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    console.error(`[e2e] first predicted breach on ${service} seen at poll ${first.poll}, drawn by poll ${markerPoll}; screenshot ${shot}`);
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
  }
});

test('50 services: every tile has a drawn sparkline, the picker lists them all, the filter narrows them', { timeout: 60_000 }, async () => {
  const MIN = 60_000;
  const store = new SeriesStore();
  const names = Array.from({ length: 50 }, (_, k) => `svc-${String(k).padStart(2, '0')}`);
  for (let i = 0; i < 90; i++) {
    for (const [k, service] of names.entries()) {
      store.addWindow({
        service, windowStart: i * MIN, windowMs: MIN, count: 100, errors: 0, errorRate: 0, latencyCount: 100, levels: {}, topTemplates: [],
        latency: { p50: 50, p95: 100 + k + 30 * Math.sin(i / 7 + k), p99: 200, max: 300, mean: 60 }, sloP95Ms: 250,
      }, null);
    }
  }
  const http = await startHttp('127.0.0.1', 0, { registry: new Registry(), ready: () => true, status: () => ({ mode: 'dry_run', source: 'test', serviceList: [], recentDetections: [], recentActions: [], recentDeadLetters: [] }), series: store });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(http.url);
    await browserUntil(page, `document.querySelectorAll('#overview .tile canvas').length === 50 && Number(document.body.dataset.polls) > 0`, 30_000);
    const ink = await inked(page, '#overview');
    assert.equal(ink.length, 50);
    assert.ok(ink.every((n) => n > 100), 'every sparkline drawn');
    assert.equal(await page.$$eval('#service-picker option', (os) => os.length), 50);
    await page.fill('#filter', 'svc-4');
    const visible = await page.evaluate(`[...document.querySelectorAll('#overview .tile')].filter((t) => !t.hidden).map((t) => t.dataset.service)`);
    assert.deepEqual(visible, names.filter((n) => n.startsWith('svc-4')));
    await page.selectOption('#service-picker', 'svc-07');
    await browserUntil(page, `document.getElementById('chart-latency')?.dataset.service === 'svc-07'`, 10_000);
    assert.ok((await inked(page, '#chart-latency')).every((n) => n > 2000));
    const body = await (await fetch(`${http.url}/api/overview?span=3600000&points=60`)).text();
    console.error(`[e2e] 50 services: /api/overview for an hour at 60 points is ${body.length} bytes`);
  } finally {
    await http.close();
  }
});
