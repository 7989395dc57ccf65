/**
 * The daemon's status page: a static HTML shell that polls /api/status. Everything shown
 * comes from JSON and is inserted as text, never as HTML, because service names and
 * messages come from logs.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Foresight status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2330;background:#f7f8fa}
h1{font-size:1.3rem;margin:0 0 1rem}h2{font-size:1rem;margin:1.5rem 0 .5rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.8rem 1.2rem;min-width:8rem}
.card b{display:block;font-size:1.6rem}table{border-collapse:collapse;background:#fff;width:100%}
td,th{border:1px solid #dde1e8;padding:.3rem .5rem;text-align:left;font-variant-numeric:tabular-nums}
th{background:#eef1f5}.breach{color:#b3261e;font-weight:600}.ok{color:#1e7b34}
</style></head><body>
<h1>Foresight <span id="mode"></span></h1>
<div class="cards" id="cards"></div>
<h2>Services</h2><p id="slots"></p><table id="services"><thead><tr><th>service</th><th>last window</th><th>events</th><th>p95 ms</th><th>SLO p95 ms</th><th>error rate</th><th>forecaster</th></tr></thead><tbody></tbody></table>
<h2>Recent detections</h2><table id="detections"><thead><tr><th>at</th><th>service</th><th>kind</th><th>metric</th><th>score</th><th>lead (min)</th></tr></thead><tbody></tbody></table>
<h2>Recent actions</h2><table id="actions"><thead><tr><th>at</th><th>service</th><th>kind</th><th>status</th><th>mode</th><th>params</th><th>guardrail</th></tr></thead><tbody></tbody></table>
<script>
function row(tbody, cells){const tr=document.createElement('tr');for(const c of cells){const td=document.createElement('td');td.textContent=c==null?'':String(c);tr.appendChild(td);}tbody.appendChild(tr);return tr;}
function iso(t){return t?new Date(t).toISOString().replace('T',' ').slice(0,19):'';}
async function refresh(){
  const s=await (await fetch('/api/status')).json();
  document.getElementById('mode').textContent='— '+s.mode+(s.source?' · '+s.source:'');
  const cards=document.getElementById('cards');cards.textContent='';
  for(const k of ['services','windows','detections','actions','deadLetters']){const d=document.createElement('div');d.className='card';const b=document.createElement('b');b.textContent=s[k];d.appendChild(b);d.appendChild(document.createTextNode(k));cards.appendChild(d);}
  const sl=s.stages&&s.stages.models&&s.stages.models.detail&&s.stages.models.detail.slots;document.getElementById('slots').textContent=sl?'Forecasting slots: '+sl.used+' of '+sl.cap+' in use, '+sl.waiting+' waiting, '+sl.evictions+' idle evicted, '+sl.refusals+' refused at the cap':'';
  const sv=document.querySelector('#services tbody');sv.textContent='';
  for(const x of s.serviceList||[]){const tr=row(sv,[x.service,iso(x.windowStart),x.count,x.p95==null?'':x.p95.toFixed(1),x.sloP95Ms,(x.errorRate*100).toFixed(2)+'%',x.forecaster]);tr.className=x.p95!=null&&x.sloP95Ms&&x.p95>x.sloP95Ms?'breach':'ok';}
  const dt=document.querySelector('#detections tbody');dt.textContent='';
  for(const d of s.recentDetections||[])row(dt,[iso(d.at),d.service,d.kind,d.metric,d.score.toFixed(2),d.leadTimeMs==null?'':(d.leadTimeMs/60000).toFixed(1)]);
  const at=document.querySelector('#actions tbody');at.textContent='';
  for(const a of s.recentActions||[])row(at,[a['@timestamp'].slice(0,19).replace('T',' '),a.service,a.kind,a.status,a.mode,JSON.stringify(a.params),a.guardrail||'']);
}
refresh();setInterval(refresh,2000);
</script></body></html>
`;

export function renderStatusPage(): string {
  return PAGE;
}
