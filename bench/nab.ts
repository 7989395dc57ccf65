/**
 * Anomaly detector throughput and the whole `eval nab` time, as one JSON line: in process
 * (CPU and wall) and as users run it (`foresight eval nab ROOT --json` from dist/, wall,
 * process start included). Issue #16's goal is the full corpus in < 10 s; this machine has
 * only the development split (../shared/data/nab: 44 of NAB's 58 series, the other 14 held
 * out), so the figure is for those 44, and the line says so.
 *   node --import tsx bench/nab.ts [NAB_ROOT]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSeries } from '../detector/nab/io.ts';
import { detectSeries, evalNab } from '../detector/nab/run.ts';
import { cpuMs, goal, loadNote } from './lib/measure.ts';
import { sharedData } from './lib/data.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const nabRoot = process.argv[2] ?? sharedData('nab', 'NAB_ROOT');

const series = readSeries(nabRoot);
let points = 0;
let best = Number.POSITIVE_INFINITY;
for (let rep = 0; rep < 5; rep++) {
  const t0 = performance.now();
  points = 0;
  for (const s of series) { detectSeries(s.times, s.values); points += s.times.length; }
  best = Math.min(best, performance.now() - t0);
}
let summary: ReturnType<typeof evalNab> | undefined;
const evalCpuMs = cpuMs(() => { summary = evalNab(nabRoot, { outDir: join(repo, 'var', 'nab-results') }); });
if (!summary) throw new Error('eval nab returned nothing');
const cli = join(repo, 'bin', 'foresight');
let cliWallSeconds: number | null = null;
if (existsSync(join(repo, 'dist', 'daemon', 'cli.js'))) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, 'eval', 'nab', nabRoot, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`foresight eval nab failed: ${r.stderr}`);
  cliWallSeconds = Number(((performance.now() - t) / 1000).toFixed(2));
}
console.log(JSON.stringify({
  bench: 'nab',
  corpus: `${series.length} series (${nabRoot}); NAB has 58: the goal's full corpus is not on this machine`,
  detector_points: points,
  detector_points_per_second: Math.round(points / (best / 1000)),
  eval_seconds: Number(summary.seconds.toFixed(3)),
  eval_cpu_seconds: Number((evalCpuMs / 1000).toFixed(3)),
  cli_wall_seconds: cliWallSeconds,
  goals: [goal('eval nab seconds (in process, wall)', summary.seconds, 10, true), ...(cliWallSeconds === null ? [] : [goal('foresight eval nab seconds (CLI, wall)', cliWallSeconds, 10, true)])],
  standard: summary.standard,
  reward_low_FP_rate: summary.reward_low_FP_rate,
  reward_low_FN_rate: summary.reward_low_FN_rate,
  ...loadNote(),
}));
