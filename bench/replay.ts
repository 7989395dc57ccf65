// End-to-end replay throughput (issue #16): `foresight replay FILE --speed max` in process —
// file source, clean, template, aggregate, models, detectors, remediator (dry run), file
// stores — on 1,000,000 synthetic lines (bench/lib/lines.ts, 5 services), with JSON.parse of
// the same lines as the same-run reference.
//   node --import tsx bench/replay.ts [LINES] [SERVICES]   (one JSON line on stdout)
// CPU time of this process (the machine is shared) and wall time are both reported.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { replay } from '../daemon/replay.ts';
import { benchLine } from './lib/lines.ts';
import { cpuMs, cpuMsAsync, goal, loadNote } from './lib/measure.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const SERVICES = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'foresight-bench-replay-'));
try {
  const file = join(dir, 'lines.ndjson');
  const out = createWriteStream(file);
  for (let i = 0; i < N; i++) if (!out.write(benchLine(i, SERVICES) + '\n')) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const config = join(dir, 'foresight.yaml');
  writeFileSync(config, YAML.stringify({ log: { level: 'silent' }, http: { enabled: false }, stores: { kind: 'file', dir: join(dir, 'var') }, models: { tfjs: { modelDir: join(dir, 'models') } } }));

  const text = readFileSync(file, 'utf8');
  const parseMs = cpuMs(() => { for (const l of text.split('\n')) if (l !== '') JSON.parse(l); });
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  const t = performance.now();
  const replayMs = await cpuMsAsync(() => replay({ path: file, configFile: config, speed: 'max', live: false }, { stdout: sink, stderr: sink }));
  const wallMs = performance.now() - t;
  const perSec = (ms: number): number => Math.round(N / (ms / 1000));
  console.log(JSON.stringify({
    bench: 'replay', loader: import.meta.url.endsWith('.ts') ? 'tsx' : 'esbuild bundle (node, no tsx)', lines: N, services: SERVICES,
    linesPerSec: perSec(replayMs), wallLinesPerSec: perSec(wallMs),
    reference: { what: 'JSON.parse alone, same lines, same run', linesPerSec: perSec(parseMs) },
    ratio: Number((parseMs / replayMs).toFixed(3)),
    goals: [goal('replay lines/s end to end', perSec(replayMs), 300_000)],
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ...loadNote(),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
