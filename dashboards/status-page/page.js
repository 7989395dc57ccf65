// The status page's script (served as /assets/status.js). Polls the daemon and draws with
// uPlot (served as /assets/uplot.js). Text from the daemon is set with textContent only:
// service names, templates and dead-letter details come from logs.
'use strict';
(() => {
  const POLL_MS = 2000;
  const $ = (id) => document.getElementById(id);
  // Charts and counters, on window for debugging and for the end-to-end test.
  // Until someone picks a service, the detail follows the one in most trouble.
  const state = { service: null, pinned: false, polls: 0, tiles: new Map(), latency: null, replicas: null, drawnFor: null };
  window.foresight = state;

  function row(tbody, cells) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c == null ? '' : String(c); tr.appendChild(td); }
    tbody.appendChild(tr);
    return tr;
  }
  const iso = (t) => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '');
  const num = (v) => (v == null ? '–' : v.toFixed(0));
  const span = () => Number($('range').value);

  async function getJson(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  }

  function position(p) {
    if (!p) return '';
    if (p.kind === 'kafka') return p.topic + '/' + p.partition + '@' + p.offset;
    if (p.kind === 'file') return p.file + ':' + p.line;
    if (p.kind === 'simulator') return 'simulator #' + p.seq;
    return p.kind + ':' + p.line;
  }

  function renderStatus(s) {
    $('mode').textContent = '— ' + s.mode + (s.source ? ' · ' + s.source : '');
    $('clock').textContent = s.watermark ? 'event time ' + iso(s.watermark) : '';
    const cards = $('cards');
    cards.textContent = '';
    for (const k of ['services', 'windows', 'detections', 'actions', 'deadLetters']) {
      const d = document.createElement('div');
      d.className = 'card';
      const b = document.createElement('b');
      b.textContent = s[k];
      d.appendChild(b);
      d.appendChild(document.createTextNode(k));
      cards.appendChild(d);
    }
    const sl = s.stages && s.stages.models && s.stages.models.detail && s.stages.models.detail.slots;
    $('slots').textContent = sl ? 'Forecasting slots: ' + sl.used + ' of ' + sl.cap + ' in use, ' + sl.waiting + ' waiting, ' + sl.evictions + ' idle evicted, ' + sl.refusals + ' refused at the cap' : '';
    const sv = document.querySelector('#services tbody');
    sv.textContent = '';
    for (const x of s.serviceList || []) {
      const tr = row(sv, [x.service, iso(x.windowStart), x.count, x.p95 == null ? '' : x.p95.toFixed(1), x.sloP95Ms, (x.errorRate * 100).toFixed(2) + '%', x.forecaster]);
      tr.className = x.p95 != null && x.sloP95Ms && x.p95 > x.sloP95Ms ? 'breach' : 'ok';
    }
    const dt = document.querySelector('#detections tbody');
    dt.textContent = '';
    for (const d of s.recentDetections || []) {
      const ids = d.evidence && Array.isArray(d.evidence.templateIds) ? d.evidence.templateIds.join(' ') : '';
      row(dt, [iso(d.at), d.service, d.kind, d.metric, d.score.toFixed(2), d.leadTimeMs == null ? '' : (d.leadTimeMs / 60000).toFixed(1), ids]);
    }
    const at = document.querySelector('#actions tbody');
    at.textContent = '';
    for (const a of s.recentActions || []) row(at, [a['@timestamp'].slice(0, 19).replace('T', ' '), a.service, a.kind, a.status, a.mode, JSON.stringify(a.params), a.guardrail || '']);
    const dl = document.querySelector('#deadletters tbody');
    dl.textContent = '';
    for (const d of s.recentDeadLetters || []) row(dl, [iso(d.at), d.reason, position(d.position), d.detail]);
  }

  // Pending approvals with Approve/Reject. The admin token is typed into the page and kept in
  // sessionStorage (never in the URL or a cookie); without it the API answers 401 and the
  // page says so.
  const tokenBox = $('approval-token');
  const byBox = $('approval-by');
  tokenBox.value = sessionStorage.getItem('foresight-token') || '';
  byBox.value = sessionStorage.getItem('foresight-by') || '';
  tokenBox.addEventListener('change', () => sessionStorage.setItem('foresight-token', tokenBox.value));
  byBox.addEventListener('change', () => sessionStorage.setItem('foresight-by', byBox.value));

  async function decide(id, verb) {
    const r = await fetch('/api/actions/' + encodeURIComponent(id) + '/' + verb, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + tokenBox.value },
      body: JSON.stringify({ by: byBox.value || undefined }),
    });
    const b = await r.json().catch(() => ({}));
    $('approval-msg').textContent = r.ok ? id + ': ' + b.action.status : 'HTTP ' + r.status + ': ' + (b.message || '');
    await renderApprovals(await getJson('/api/actions/pending'));
  }

  function renderApprovals(p) {
    const tb = document.querySelector('#pending tbody');
    tb.textContent = '';
    const when = (t) => (t ? t.slice(0, 19).replace('T', ' ') : '');
    for (const a of p.actions || []) {
      const tr = row(tb, [when(a.approval && a.approval.requestedAt), when(a.approval && a.approval.expiresAt), a.service, a.kind, JSON.stringify(a.params), a.reason ? a.reason.evidence : '']);
      tr.dataset.actionId = a.actionId;
      const td = document.createElement('td');
      for (const [verb, label] of [['approve', 'Approve'], ['reject', 'Reject']]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        b.className = verb;
        b.disabled = !p.approvalEnabled;
        b.addEventListener('click', () => void decide(a.actionId, verb));
        td.appendChild(b);
      }
      tr.appendChild(td);
    }
    if (!p.approvalEnabled && (p.actions || []).length > 0) $('approvals-note').textContent = 'Approval over HTTP is off on this daemon (no http.adminToken); use foresight approve on the host.';
  }

  function sparkOpts(name) {
    return {
      width: 190, height: 36, legend: { show: false }, cursor: { show: false }, select: { show: false },
      scales: { x: { time: false } }, axes: [{ show: false }, { show: false }],
      series: [{}, { label: name + ' p95', stroke: '#3366cc', width: 1.5, spanGaps: true }, { label: 'SLO', stroke: '#b3261e', dash: [4, 3], width: 1 }],
    };
  }

  function select(service) {
    state.pinned = true;
    if (state.service === service) return;
    state.service = service;
    $('service-picker').value = service;
    for (const [name, t] of state.tiles) t.el.classList.toggle('selected', name === service);
    void refresh();
  }

  function renderOverview(ov) {
    const box = $('overview');
    const filter = $('filter').value.trim().toLowerCase();
    const names = ov.services.map((e) => e.service);
    for (const e of ov.services) {
      let tile = state.tiles.get(e.service);
      if (!tile) {
        const el = document.createElement('div');
        el.className = 'tile';
        el.dataset.service = e.service;
        const name = document.createElement('div');
        name.className = 'name';
        name.textContent = e.service;
        const nums = document.createElement('div');
        nums.className = 'nums';
        const badge = document.createElement('span');
        badge.className = 'badge';
        const spark = document.createElement('div');
        el.append(name, nums, badge, spark);
        el.addEventListener('click', () => select(e.service));
        box.appendChild(el);
        tile = { el, nums, badge, spark, plot: null };
        state.tiles.set(e.service, tile);
      }
      tile.el.hidden = filter !== '' && !e.service.toLowerCase().includes(filter);
      tile.el.classList.toggle('breach', e.p95 != null && e.slo != null && e.p95 > e.slo);
      tile.el.classList.toggle('selected', e.service === state.service);
      tile.nums.textContent = 'p95 ' + num(e.p95) + ' / SLO ' + num(e.slo) + ' ms' + (e.replicas != null ? ' · ' + e.replicas + ' replicas' : '');
      tile.badge.textContent = e.breaches ? e.breaches + ' predicted breach' + (e.breaches > 1 ? 'es' : '') : '';
      const data = [e.spark.map((_, i) => i), e.spark, e.spark.map(() => e.slo)];
      if (tile.plot) tile.plot.setData(data);
      else tile.plot = new uPlot(sparkOpts(e.service), data, tile.spark);
    }
    for (const [name, t] of state.tiles) if (!names.includes(name)) { t.plot?.destroy(); t.el.remove(); state.tiles.delete(name); }
    const picker = $('service-picker');
    const current = [...picker.options].map((o) => o.value);
    if (current.join('\n') !== names.join('\n')) {
      picker.textContent = '';
      for (const n of names) { const o = document.createElement('option'); o.value = n; o.textContent = n; picker.appendChild(o); }
    }
    if ((!state.pinned || !names.includes(state.service)) && names.length > 0) {
      // Start on the service in most trouble: most predicted breaches, then highest p95/SLO.
      const worst = [...ov.services].sort((a, b) => b.breaches - a.breaches || ((b.p95 || 0) / (b.slo || Infinity)) - ((a.p95 || 0) / (a.slo || Infinity)))[0];
      state.service = worst.service;
    }
    if (state.service) picker.value = state.service;
    $('detail-note').textContent = ov.dropped ? ov.dropped + ' windows of services beyond the chart cap not drawn' : '';
  }

  function latencyData(s) {
    const xs = new Set();
    for (const w of s.windows) xs.add(w.t);
    const fc = s.forecast;
    if (fc) for (const t of fc.t) xs.add(t);
    for (const m of s.markers) xs.add(m.t);
    const x = [...xs].sort((a, b) => a - b);
    const idx = new Map(x.map((t, i) => [t, i]));
    const col = () => new Array(x.length).fill(null);
    const p95 = col(), slo = col(), f50 = col(), f10 = col(), f90 = col(), breach = col(), act = col(), sup = col();
    let lastSlo = null;
    for (const w of s.windows) { const i = idx.get(w.t); p95[i] = w.p95; if (w.slo != null) { slo[i] = w.slo; lastSlo = w.slo; } }
    // The SLO is drawn across the whole range, forecast included.
    let prev = null;
    for (let i = 0; i < x.length; i++) { if (slo[i] != null) prev = slo[i]; else slo[i] = prev ?? lastSlo; }
    if (fc) fc.t.forEach((t, k) => { const i = idx.get(t); f50[i] = fc.p50[k]; f10[i] = fc.p10[k]; f90[i] = fc.p90[k]; });
    // A marker sits on the p95 line where it happened.
    const yAt = (t) => { let y = null; for (const w of s.windows) if (w.t <= t && w.p95 != null) y = w.p95; return y ?? lastSlo ?? 0; };
    let breaches = 0;
    for (const m of s.markers) {
      const i = idx.get(m.t);
      if (m.kind === 'predicted_breach') { breach[i] = yAt(m.t); breaches++; } else if (m.status === 'suppressed') sup[i] = yAt(m.t);
      else if (m.status) act[i] = yAt(m.t);
    }
    return { data: [x.map((t) => t / 1000), p95, slo, f50, f10, f90, breach, act, sup], breaches };
  }

  const markerSeries = (label, color, fill, size) => ({ label, stroke: color, paths: () => null, points: { show: true, size, width: 2, stroke: color, fill } });

  function latencyOpts(service, width) {
    return {
      width, height: 300, title: service + ': p95 latency vs SLO, forecast and actions',
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      series: [
        {},
        { label: service + ' p95 (ms)', stroke: '#3366cc', width: 2, spanGaps: true },
        { label: 'SLO (ms)', stroke: '#b3261e', dash: [6, 4], width: 1.5, spanGaps: true },
        { label: 'forecast p50', stroke: '#7a4fd6', dash: [3, 3], width: 1.5, spanGaps: true, points: { show: false } },
        { label: 'forecast p10', stroke: 'rgba(122,79,214,0.4)', width: 1, spanGaps: true, points: { show: false } },
        { label: 'forecast p90', stroke: 'rgba(122,79,214,0.4)', width: 1, spanGaps: true, points: { show: false } },
        markerSeries('predicted breach', '#d7191c', '#d7191c', 12),
        markerSeries('action', '#1a9641', '#1a9641', 10),
        markerSeries('action suppressed', '#777777', '#ffffff', 10),
      ],
      bands: [{ series: [5, 4], fill: 'rgba(122,79,214,0.15)' }],
    };
  }

  function replicasData(s) {
    if (s.replicas.length === 0) return null;
    const x = s.replicas.map((r) => Math.max(r.t, s.from) / 1000);
    const y = s.replicas.map((r) => r.replicas);
    x.push(Math.max(s.to, s.replicas[s.replicas.length - 1].t) / 1000);
    y.push(y[y.length - 1]);
    return [x, y];
  }

  function replicasOpts(service, width) {
    return {
      width, height: 150, title: service + ': replicas',
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max + 1] } },
      series: [{}, { label: service + ' replicas', stroke: '#1a9641', width: 2, fill: 'rgba(26,150,65,0.08)', paths: uPlot.paths.stepped({ align: 1 }) }],
    };
  }

  function renderDetail(s) {
    const box = $('chart-latency');
    const width = Math.max(300, box.clientWidth - 16);
    const lat = latencyData(s);
    if (state.drawnFor !== s.service) {
      state.latency?.destroy();
      state.replicas?.destroy();
      state.latency = null;
      state.replicas = null;
      box.textContent = '';
      $('chart-replicas').textContent = '';
      state.drawnFor = s.service;
    }
    if (state.latency) state.latency.setData(lat.data);
    else state.latency = new uPlot(latencyOpts(s.service, width), lat.data, box);
    box.dataset.service = s.service;
    box.dataset.breachMarkers = String(lat.breaches);
    const rep = replicasData(s);
    const rbox = $('chart-replicas');
    if (!rep) {
      state.replicas?.destroy();
      state.replicas = null;
      rbox.textContent = 'no replica changes recorded for ' + s.service + ' in this range';
      return;
    }
    if (state.replicas) state.replicas.setData(rep);
    else { rbox.textContent = ''; state.replicas = new uPlot(replicasOpts(s.service, width), rep, rbox); }
  }

  // The chosen service's log templates: its latest window's first (most lines first), then older ones.
  function renderTemplates(st) {
    const body = document.querySelector('#templates tbody');
    body.textContent = '';
    const sv = (st.serviceList || []).find((x) => x.service === state.service);
    const list = (sv && sv.templates) || [];
    $('templates-note').textContent = state.service ? 'of ' + state.service + (sv ? ', window of ' + iso(sv.windowStart) : '') : '';
    for (const t of list) {
      const tr = row(body, [t.text, t.id, t.lastSeen === sv.windowStart ? t.count : 0, t.lastSeen === sv.windowStart ? t.warn : 0, iso(t.firstSeen), iso(t.lastSeen), t.total]);
      tr.dataset.template = t.id;
      if (t.lastSeen === sv.windowStart && t.warn > 0) tr.className = 'breach';
    }
  }

  async function refresh() {
    const sp = span();
    const [st, ov, pa] = await Promise.all([getJson('/api/status'), getJson('/api/overview?points=60&span=' + sp), getJson('/api/actions/pending')]);
    renderStatus(st);
    renderOverview(ov);
    renderTemplates(st);
    renderApprovals(pa);
    if (state.service) renderDetail(await getJson('/api/series?service=' + encodeURIComponent(state.service) + '&span=' + sp));
    state.polls++;
    document.body.dataset.polls = String(state.polls);
  }

  async function loop() {
    try {
      if ($('live').checked || state.polls === 0) await refresh();
    } catch (err) {
      $('clock').textContent = 'update failed: ' + err.message;
    }
    setTimeout(loop, POLL_MS);
  }

  $('range').addEventListener('change', () => void refresh());
  $('service-picker').addEventListener('change', (e) => select(e.target.value));
  $('filter').addEventListener('input', () => {
    const f = $('filter').value.trim().toLowerCase();
    for (const [name, t] of state.tiles) t.el.hidden = f !== '' && !name.toLowerCase().includes(f);
  });
  void loop();
})();
