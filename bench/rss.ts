// Resident memory of the daemon over a long simulated run at max speed, with many services:
// the embedded simulator source, `speed: max`, 360 simulated minutes (or WALL_S of wall
// time, whichever comes first), sampled from /proc every 2 s. Linux only.
//   node --import tsx bench/rss.ts [SERVICES...]   (default 100: the simulator's scenario
//   limit; past 100 the daemon reads a file of synthetic lines instead, LINES_PER_MIN=2 per
//   service and minute, MINUTES=360)
// One JSON line per sample (every 10th), then one summary line per service count.
// At the simulated minutes in PROBE_AT (default 30,60,120,180,240,300,355) the daemon, run
// with bench/lib/heap-probe.mjs preloaded, forces a full GC and reports one more JSON line
// ("probe": RSS, V8 heap used after the GC, external/ArrayBuffer bytes, TF.js tensors);
// at those also in SNAPSHOT_AT (default none) it writes a heap snapshot into the bench's
// temp directory (kept then, its path printed).
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { Daemon, tempDir } from '../test/integration/support/stack.ts';
import type { RigEndpoints } from '../scripts/rig/index.ts';
import { benchLine } from './lib/lines.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const WALL_S = Number(process.env.WALL_S ?? 150);
const MINUTES = Number(process.env.MINUTES ?? 360);
const SIMULATOR_MAX = 100;
const LINES_PER_MIN = Number(process.env.LINES_PER_MIN ?? 2);
const minutesOf = (v: string | undefined, d: string): number[] => (v ?? d).split(',').map(Number).filter((n) => n > 0);
const PROBE_AT = minutesOf(process.env.PROBE_AT, '30,60,120,180,240,300,355');
const SNAPSHOT_AT = minutesOf(process.env.SNAPSHOT_AT, '');
const PROBE = fileURLToPath(new URL('./lib/heap-probe.mjs', import.meta.url));

/** Asks the daemon's probe for one line (after a forced GC) and returns it. */
async function probe(d: Daemon, file: string, label: string, snapshot: boolean): Promise<Record<string, unknown> | undefined> {
  const before = existsSync(file) ? readFileSync(file, 'utf8').length : 0;
  writeFileSync(`${file}.req`, JSON.stringify({ label, snapshot }));
  d.child.kill('SIGUSR2');
  for (let i = 0; i < 600 && d.child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.length > before && text.endsWith('\n')) return JSON.parse(text.slice(before).trim()) as Record<string, unknown>;
  }
  return undefined;
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

for (const services of counts.length ? counts : [100]) {
  const dir = tempDir('bench-rss');
  let source: Record<string, unknown>;
  if (services <= SIMULATOR_MAX) {
    const scenario = join(dir, 'many.json');
    writeFileSync(scenario, JSON.stringify({
      name: `many-${services}`, description: 'many small steady services', durationMinutes: MINUTES, seed: 5,
      services: Array.from({ length: services }, (_, i) => ({
        name: `svc-${String(i).padStart(5, '0')}`, replicas: 2, perReplicaRps: 20, baseLatencyMs: 40, sloP95Ms: 300,
        load: { peakRps: 2, troughRps: 1, peakAtMinute: 180, noise: 0.05 }, routes: ['GET /api/item/{id}'],
      })),
      incidents: [],
    }));
    source = { kind: 'simulator', simulator: { scenario, speed: 'max', minutes: MINUTES } };
  } else {
    // Past the simulator's 100 services: a file of synthetic lines (bench/lib/lines.ts),
    // LINES_PER_MIN per service and simulated minute, read by the daemon's file source.
    const file = join(dir, 'lines.ndjson');
    const out = createWriteStream(file);
    const lines = services * LINES_PER_MIN * MINUTES;
    const stepMs = 60_000 / (LINES_PER_MIN * services);
    for (let i = 0; i < lines; i++) if (!out.write(benchLine(i, services, stepMs) + '\n')) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    source = { kind: 'file', file: { path: file } };
  }
  const config = join(dir, 'foresight.yaml');
  writeFileSync(config, YAML.stringify({
    log: { level: 'info' }, http: { port: 0 }, source,
    // Every service holds a forecasting slot (the default cap is lower than 5,000).
    ...(services > SIMULATOR_MAX ? { models: { maxServices: services } } : {}),
    remediator: { mode: 'dry_run', actuators: ['log'] }, stores: { kind: 'file', dir: join(dir, 'var') },
  }));
  const probeFile = join(dir, 'probe.ndjson');
  const saved = { opts: process.env.NODE_OPTIONS, probe: process.env.BENCH_HEAP_PROBE };
  process.env.NODE_OPTIONS = `${saved.opts ?? ''} --expose-gc --import ${PROBE}`.trim();
  process.env.BENCH_HEAP_PROBE = probeFile;
  const d = new Daemon({ rig: {} as RigEndpoints, topic: '', group: '', prefix: '', dir, config });
  process.env.NODE_OPTIONS = saved.opts;
  process.env.BENCH_HEAP_PROBE = saved.probe;
  if (saved.opts === undefined) delete process.env.NODE_OPTIONS;
  if (saved.probe === undefined) delete process.env.BENCH_HEAP_PROBE;
  const pending = [...PROBE_AT];
  const t0 = performance.now();
  const samples: Array<{ s: number; rss: number; simMinutes: number | null }> = [];
  let start: number | undefined;
  while (d.child.exitCode === null && (performance.now() - t0) / 1000 < WALL_S) {
    await new Promise((r) => setTimeout(r, 2000));
    const rss = rssMb(d.child.pid!);
    const st = await d.status().catch(() => undefined);
    const wm = typeof st?.watermark === 'number' && st.watermark > 0 ? st.watermark : undefined;
    start ??= wm;
    if (rss === undefined) continue;
    const sample = { s: Number(((performance.now() - t0) / 1000).toFixed(1)), rss: Number(rss.toFixed(1)), simMinutes: wm !== undefined && start !== undefined ? Math.round((wm - start) / 60_000) : null };
    samples.push(sample);
    if (samples.length % 10 === 1) console.log(JSON.stringify({ bench: 'rss', services, ...sample }));
    while (pending.length && sample.simMinutes !== null && sample.simMinutes >= (pending[0] as number)) {
      const at = pending.shift() as number;
      const p = await probe(d, probeFile, `min${at}`, SNAPSHOT_AT.includes(at));
      if (p) console.log(JSON.stringify({ bench: 'rss', probe: true, services, simMinutes: sample.simMinutes, ...p }));
    }
    if (sample.simMinutes !== null && sample.simMinutes >= MINUTES - 2 && !pending.length) break;
  }
  await d.stop();
  const rss = samples.map((x) => x.rss);
  const last = samples[samples.length - 1];
  const mid = samples[Math.floor(samples.length / 2)];
  console.log(JSON.stringify({
    bench: 'rss', summary: true, services, wallSeconds: last?.s, simulatedMinutes: last?.simMinutes,
    rssMB: { first: rss[0], mid: mid?.rss, last: last?.rss, max: Math.max(...rss) },
    kbPerService: last ? Math.round((last.rss * 1024) / services) : null,
  }));
}
process.exit(0);
