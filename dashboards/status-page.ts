/**
 * The daemon's status page: a static HTML shell, its script (./status-page/page.js) and the
 * charting library (uPlot, from node_modules: the daemon serves everything itself, no CDN).
 * The script polls /api/status, /api/overview and /api/series; everything shown comes from
 * JSON and is inserted as text, never as HTML, because service names and messages come
 * from logs.
 *
 *   ┌ header: mode · source · time range · live ┐
 *   │ cards                                      │
 *   │ overview: one tile per service (p95 vs SLO, sparkline), filter  │
 *   │ service: picker; p95 + SLO + forecast band + markers; replicas; │
 *   │          its log templates (from /api/status)                   │
 *   │ pending approvals (slot #approvals) · recent dead letters       │
 *   │ services · detections · actions tables     │
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packagePath } from '../core/paths.ts';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Foresight status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/status.css">
</head><body>
<header><h1>Foresight <span id="mode"></span></h1>
<label>range <select id="range">
<option value="900000">15 min</option><option value="3600000" selected>1 hour</option><option value="21600000">6 hours</option><option value="86400000">24 hours</option>
</select></label>
<label><input type="checkbox" id="live" checked> live</label>
<span id="clock" class="muted"></span></header>
<div class="cards" id="cards"></div>
<section id="overview-section"><h2>Services <input id="filter" placeholder="filter services" aria-label="filter services"></h2>
<p id="slots" class="muted"></p>
<div id="overview" class="tiles"></div></section>
<section id="detail"><h2>Service <select id="service-picker" aria-label="service"></select> <span id="detail-note" class="muted"></span></h2>
<div id="chart-latency" class="chart"></div>
<div id="chart-replicas" class="chart"></div>
<h3>Log templates <span id="templates-note" class="muted"></span></h3>
<table id="templates"><thead><tr><th>template</th><th>id</th><th>lines (latest window)</th><th>warn</th><th>first seen</th><th>last seen</th><th>lines since start</th></tr></thead><tbody></tbody></table></section>
<div class="cols">
<section id="approvals"><h2>Pending approvals</h2><p class="muted" id="approvals-note">Actions waiting for a person. Approving carries the action out; the admin token is kept in this tab only.</p>
<p><label>Admin token <input id="approval-token" type="password" autocomplete="off" size="24"></label>
<label>Your name <input id="approval-by" type="text" size="12"></label> <span id="approval-msg" role="status"></span></p>
<table id="pending"><thead><tr><th>requested</th><th>expires</th><th>service</th><th>kind</th><th>params</th><th>reason</th><th></th></tr></thead><tbody></tbody></table></section>
<section id="deadletters-section"><h2>Recent dead letters</h2>
<table id="deadletters"><thead><tr><th>at</th><th>reason</th><th>where</th><th>detail</th></tr></thead><tbody></tbody></table></section>
</div>
<h2>Latest windows</h2><table id="services"><thead><tr><th>service</th><th>last window</th><th>events</th><th>p95 ms</th><th>SLO p95 ms</th><th>error rate</th><th>forecaster</th></tr></thead><tbody></tbody></table>
<h2>Recent detections</h2><table id="detections"><thead><tr><th>at</th><th>service</th><th>kind</th><th>metric</th><th>score</th><th>lead (min)</th><th>templates</th></tr></thead><tbody></tbody></table>
<h2>Recent actions</h2><table id="actions"><thead><tr><th>at</th><th>service</th><th>kind</th><th>status</th><th>mode</th><th>params</th><th>guardrail</th></tr></thead><tbody></tbody></table>
<script src="/assets/uplot.js"></script>
<script src="/assets/status.js"></script>
</body></html>
`;

export function renderStatusPage(): string {
  return PAGE;
}

export interface Asset {
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { type: string; file: () => string }> = {
  '/assets/uplot.js': { type: 'text/javascript; charset=utf-8', file: () => require.resolve('uplot/dist/uPlot.iife.min.js') },
  '/assets/uplot.css': { type: 'text/css; charset=utf-8', file: () => require.resolve('uplot/dist/uPlot.min.css') },
  '/assets/status.js': { type: 'text/javascript; charset=utf-8', file: () => packagePath('dashboards', 'status-page', 'page.js') },
  '/assets/status.css': { type: 'text/css; charset=utf-8', file: () => packagePath('dashboards', 'status-page', 'page.css') },
};
const loaded = new Map<string, Asset>();

/** A file the page needs, read once; undefined for any other path. */
export function staticAsset(path: string): Asset | undefined {
  const a = ASSETS[path];
  if (!a) return undefined;
  let hit = loaded.get(path);
  if (!hit) {
    hit = { type: a.type, body: readFileSync(a.file()) };
    loaded.set(path, hit);
  }
  return hit;
}
