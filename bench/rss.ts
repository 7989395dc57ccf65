// Resident memory of the daemon over a long simulated run at max speed, with many services:
// the embedded simulator source, `speed: max`, 360 simulated minutes (or WALL_S of wall
// time, whichever comes first), sampled from /proc every 2 s. Linux only.
//   node --import tsx bench/rss.ts [SERVICES...]   (default 100: the simulator's scenario
//   limit; 1k and 5k services need another generator)
// One JSON line per sample (every 10th), then one summary line per service count.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { Daemon, tempDir } from '../test/integration/support/stack.ts';
import type { RigEndpoints } from '../scripts/rig/index.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const WALL_S = Number(process.env.WALL_S ?? 150);
const MINUTES = 360;

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
  const scenario = join(dir, 'many.json');
  writeFileSync(scenario, JSON.stringify({
    name: `many-${services}`, description: 'many small steady services', durationMinutes: MINUTES, seed: 5,
    services: Array.from({ length: services }, (_, i) => ({
      name: `svc-${String(i).padStart(5, '0')}`, replicas: 2, perReplicaRps: 20, baseLatencyMs: 40, sloP95Ms: 300,
      load: { peakRps: 2, troughRps: 1, peakAtMinute: 180, noise: 0.05 }, routes: ['GET /api/item/{id}'],
    })),
    incidents: [],
  }));
  const config = join(dir, 'foresight.yaml');
  writeFileSync(config, YAML.stringify({
    log: { level: 'info' }, http: { port: 0 },
    source: { kind: 'simulator', simulator: { scenario, speed: 'max', minutes: MINUTES } },
    remediator: { mode: 'dry_run', actuators: ['log'] }, stores: { kind: 'file', dir: join(dir, 'var') },
  }));
  const d = new Daemon({ rig: {} as RigEndpoints, topic: '', group: '', prefix: '', dir, config });
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
