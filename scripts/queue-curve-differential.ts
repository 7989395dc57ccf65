// Differential check of the queue_curve forecaster: this tree's against another revision's,
// forecast by forecast, on the same series. A rewrite of the grid fit must say exactly how
// far its output moved: every quantile path value of every forecast is compared.
//   node --import tsx scripts/queue-curve-differential.ts [REV=HEAD] [SERIES=400]
// The series (deterministic, 200 minutes each, the last 80 forecast: 32,000 forecasts at 400):
// M/M/c-shaped services (1–24 servers, capacity 20–100,000 a minute, 1–10 % multiplicative
// noise) under linear surges to utilisation 0.6–1.15, diurnal rises, random walks, surges
// with bursts (the trimmed refit), with a scale-out (a level shift), and flat load; a quarter
// with random window options and a plausibleChi2 of 0, 2 or 6.
// Prints one JSON line: forecasts compared, null/non-null disagreements, forecasts with any
// difference, the largest absolute and relative difference of a path value, the first
// differences beyond 1e-9 of the value (a curve chosen differently shows there), and the
// CPU per forecast (null ones included) of both revisions in this process, interleaved.
// Exits 1 on a null/non-null disagreement.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { modelsConfigSchema } from '../models/config.ts';
import { QueueCurveForecaster, queueFactor, type QueueCurveOptions } from '../models/statistical/queue-curve.ts';
import type { Forecast, SeriesPoint } from '../models/types.ts';
import { rng, type Rng } from '../test/fuzz/corpus.ts';

const REV = process.argv[2] ?? 'HEAD';
const SERIES = Number(process.argv[3] ?? 400) || 400;
const LENGTH = 200;
const FORECAST_FROM = 120;
const STEP = 60_000;
const QUANTILES = [0.05, 0.1, 0.5, 0.9, 0.95];
const root = resolve(import.meta.dirname, '..');

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const between = (r: Rng, lo: number, hi: number): number => lo + (hi - lo) * r();
const gauss = (r: Rng): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const KINDS = ['surge', 'diurnal', 'walk', 'bursty-surge', 'scale-out', 'flat'] as const;

function series(r: Rng): { points: SeriesPoint[]; kind: string } {
  const kind = pick(r, KINDS);
  let capacity = Math.exp(between(r, Math.log(20), Math.log(100_000)));
  const servers = pick(r, [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24]);
  const base = Math.exp(between(r, Math.log(2), Math.log(800)));
  const kappa = between(r, 0.5, 3);
  const noise = between(r, 0.01, 0.1);
  const start = between(r, 0.2, 0.6);
  const end = between(r, 0.6, 1.15);
  const rampAt = Math.floor(between(r, 60, 170));
  const period = between(r, 30, 300);
  let walk = start;
  const points: SeriesPoint[] = [];
  for (let k = 0; k < LENGTH; k++) {
    let rho: number;
    switch (kind) {
      case 'diurnal': rho = start + (end - start) * 0.5 * (1 - Math.cos((2 * Math.PI * k) / period)); break;
      case 'walk': walk = Math.max(0.05, walk + 0.02 * gauss(r) + 0.002); rho = walk; break;
      case 'flat': rho = start; break;
      default: rho = k < rampAt ? start + 0.05 * Math.sin(k / 7) : start + ((end - start) * (k - rampAt)) / Math.max(1, LENGTH - rampAt);
    }
    if (kind === 'scale-out' && k === rampAt + 15) capacity *= 2;
    const load = Math.max(0, rho * capacity * (1 + 0.02 * gauss(r)));
    let p95 = (base + ((kappa * base) / servers) * queueFactor(load / capacity, servers)) * Math.exp(noise * gauss(r));
    if (kind === 'bursty-surge' && r() < 0.04) p95 *= between(r, 2, 6);
    // Now and then a point observe() must skip: no throughput, or a non-positive p95.
    const gap = r();
    points.push({ t: k * STEP, value: gap < 0.005 ? 0 : p95, throughput: gap > 0.995 ? undefined : load, errorRate: 0 });
  }
  return { points, kind };
}

function options(r: Rng): QueueCurveOptions {
  const defaults = { stepMs: STEP, minHistory: 30, ...modelsConfigSchema.parse({}).queueCurve };
  if (r() < 0.75) return defaults;
  const curveWindow = Math.floor(between(r, 40, 200));
  return { ...defaults, curveWindow, trendWindow: Math.floor(between(r, 8, Math.min(40, curveWindow))), minTrendT: between(r, 2, 6), minCurveT: between(r, 1, 4), plausibleChi2: pick(r, [0, 2, 6]) };
}

const dir = mkdtempSync(join(tmpdir(), 'foresight-qcurve-diff-'));
try {
  const tar = execFileSync('git', ['-C', root, 'archive', REV, 'models'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const old = (await import(pathToFileURL(join(dir, 'models', 'statistical', 'queue-curve.ts')).href)) as { QueueCurveForecaster: typeof QueueCurveForecaster };

  let compared = 0, nonNull = 0, nullMismatch = 0, differing = 0, maxAbs = 0, maxRel = 0;
  let oldCpu = 0, newCpu = 0;
  const firstDiffs: unknown[] = [];
  const byKind: Record<string, { compared: number; nonNull: number; differing: number }> = {};
  for (let s = 0; s < SERIES; s++) {
    const r = rng(1000 + s);
    const { points, kind } = series(r);
    const opts = options(r);
    const a = new old.QueueCurveForecaster(opts);
    const b = new QueueCurveForecaster(opts);
    const k = (byKind[kind] ??= { compared: 0, nonNull: 0, differing: 0 });
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as SeriesPoint;
      a.observe(p);
      b.observe(p);
      if (i < LENGTH - (LENGTH - FORECAST_FROM)) continue;
      let fa: Forecast | null = null, fb: Forecast | null = null;
      // Alternate which runs first, so neither gains from the other's warm caches.
      const c0 = process.cpuUsage();
      if (i % 2 === 0) fa = a.forecast(40, QUANTILES);
      const c1 = process.cpuUsage();
      fb = b.forecast(40, QUANTILES);
      const c2 = process.cpuUsage();
      if (i % 2 === 1) fa = a.forecast(40, QUANTILES);
      const c3 = process.cpuUsage();
      oldCpu += c1.user - c0.user + c3.user - c2.user;
      newCpu += c2.user - c1.user;
      compared++;
      k.compared++;
      if ((fa === null) !== (fb === null)) {
        nullMismatch++;
        if (firstDiffs.length < 5) firstDiffs.push({ series: s, kind, at: i, old: fa !== null, new: fb !== null });
        continue;
      }
      if (!fa || !fb) continue;
      nonNull++;
      k.nonNull++;
      let differs = false;
      for (const q of Object.keys(fa.paths)) {
        const pa = fa.paths[q] as number[], pb = fb.paths[q] as number[];
        for (let h = 0; h < pa.length; h++) {
          const x = pa[h] as number, y = pb[h] as number;
          if (Object.is(x, y)) continue;
          differs = true;
          const abs = Math.abs(x - y);
          maxAbs = Math.max(maxAbs, abs);
          maxRel = Math.max(maxRel, abs / Math.max(Math.abs(x), Math.abs(y)));
          if (firstDiffs.length < 5 && abs / Math.max(Math.abs(x), Math.abs(y)) > 1e-9) firstDiffs.push({ series: s, kind, at: i, q, h, old: x, new: y });
        }
      }
      if (differs) { differing++; k.differing++; }
    }
  }
  console.log(JSON.stringify({
    check: 'queue-curve-differential', rev: REV, series: SERIES, compared, nonNull, nullMismatch, differing,
    maxAbsDiff: maxAbs, maxRelDiff: maxRel, byKind,
    cpuMsPerForecast: { old: Number((oldCpu / 1000 / compared).toFixed(4)), new: Number((newCpu / 1000 / compared).toFixed(4)) },
    firstDiffs,
  }));
  if (nullMismatch > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
