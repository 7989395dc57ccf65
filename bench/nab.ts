/**
 * Anomaly detector throughput and the whole `eval nab` wall time, as one JSON line.
 *   node --import tsx bench/nab.ts [NAB_ROOT]
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSeries } from '../detector/nab/io.ts';
import { detectSeries, evalNab } from '../detector/nab/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const nabRoot = process.argv[2] ?? join(repo, '..', 'shared', 'data', 'nab');

const series = readSeries(nabRoot);
let points = 0;
let best = Number.POSITIVE_INFINITY;
for (let rep = 0; rep < 5; rep++) {
  const t0 = performance.now();
  points = 0;
  for (const s of series) { detectSeries(s.times, s.values); points += s.times.length; }
  best = Math.min(best, performance.now() - t0);
}
const summary = evalNab(nabRoot, { outDir: join(repo, 'var', 'nab-results') });
console.log(JSON.stringify({
  bench: 'nab',
  detector_points: points,
  detector_points_per_second: Math.round(points / (best / 1000)),
  eval_seconds: Number(summary.seconds.toFixed(3)),
  standard: summary.standard,
  reward_low_FP_rate: summary.reward_low_FP_rate,
  reward_low_FN_rate: summary.reward_low_FN_rate,
}));
