// Resident memory per service (issue #9 item 6): the daemon's pipeline (replay in process:
// ingest, models with every default forecaster, detectors, remediator, file stores) over
// synthetic logs of N services (bench/lib/lines.ts; the simulator stops at 100), two lines
// per service and minute for MINUTES simulated minutes, RSS sampled every second.
//   node --import tsx bench/rss-services.ts [SERVICES...]   (default 1000 5000; MINUTES=15)
// One JSON line per service count: RSS before (process with the code loaded), peak and
// end, and (end − before) / services. bench/rss.ts covers RSS over a 6-hour run.
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import YAML from 'yaml';
import { replay } from '../daemon/replay.ts';
import { benchLine } from './lib/lines.ts';
import { cpuMsAsync, loadNote } from './lib/measure.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const MINUTES = Number(process.env.MINUTES ?? 15);
const mb = (b: number): number => Number((b / 1024 / 1024).toFixed(1));
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };

for (const services of counts.length ? counts : [1000, 5000]) {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-bench-rss-'));
  try {
    const file = join(dir, 'lines.ndjson');
    const out = createWriteStream(file);
    const lines = services * 2 * MINUTES;
    const stepMs = 60_000 / (2 * services);
    for (let i = 0; i < lines; i++) if (!out.write(benchLine(i, services, stepMs) + '\n')) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    const config = join(dir, 'foresight.yaml');
    writeFileSync(config, YAML.stringify({
      log: { level: 'silent' }, http: { enabled: false }, stores: { kind: 'file', dir: join(dir, 'var') },
      models: { maxServices: services, tfjs: { modelDir: join(dir, 'models') } },
    }));
    const heapBefore = heapAfterGc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 1000);
    const sink = new Writable({ write(_c, _e, cb) { cb(); } });
    const cpu = await cpuMsAsync(() => replay({ path: file, configFile: config, speed: 'max', live: false }, { stdout: sink, stderr: sink }));
    clearInterval(timer);
    const end = process.memoryUsage().rss;
    peak = Math.max(peak, end);
    // What is still reachable once the replay is done (its pipeline included) is garbage
    // here: the heap after a full GC says how much of the RSS was live data.
    const heapEnd = heapAfterGc();
    console.log(JSON.stringify({
      bench: 'rss-services', services, minutes: MINUTES, lines,
      rssMB: { before: mb(before), peak: mb(peak), end: mb(end) },
      kbPerService: { end: Math.round((end - before) / 1024 / services), peak: Math.round((peak - before) / 1024 / services) },
      heapAfterGcMB: { before: mb(heapBefore), end: mb(heapEnd) }, rssAfterGcMB: mb(process.memoryUsage().rss),
      cpuSeconds: Number((cpu / 1000).toFixed(1)), ...loadNote(),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(0);
