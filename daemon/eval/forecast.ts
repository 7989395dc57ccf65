import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import type { RawInput } from '../../ingest/types.ts';
import { builtinScenarioNames, createSimulator, loadScenario } from '../../ingest/sources/simulator/index.ts';
import { baselineFactories, MASE_BASELINE } from '../../models/baselines.ts';
import { calibrationOf } from '../../models/calibration.ts';
import { horizonSteps, type ModelsConfig } from '../../models/config.ts';
import { evaluateForecasters, type EvalResult, type EvalSeries, type ForecasterFactory } from '../../models/evaluate.ts';
import { collectSeries } from '../../models/series.ts';
import type { SeriesPoint } from '../../models/types.ts';
import { loadModel } from '../../models/tfjs/artifacts.ts';
import { loadTf } from '../../models/tfjs/backend.ts';
import { fitAndValidate } from '../../models/tfjs/fit.ts';
import { TfForecaster } from '../../models/tfjs/forecaster.ts';
import { createFileModelStore } from '../../models/tfjs/store.ts';
import { loadConfig } from '../config.ts';
import { createSeriesCollector, readHistory } from '../train.ts';
import { DEFAULT_MAX_EPOCHS } from '../../models/tfjs/model.ts';
import { withPhases, type Phases } from '../progress.ts';
import { BUILTIN_SUITE_DIR } from './suite.ts';

/**
 * `foresight eval forecast`: forecast error of every forecaster on the same held-out points.
 *
 *   scenarios ─► simulator logs ─► real ingest ─► p95 series ─┬─ first part ─► train tfjs_mlp
 *                                                            └─ rest ─► MASE at 5/15/30, coverage
 *
 * Definitions are in models/evaluate.ts and docs/forecasting.md. The TF.js model is
 * trained here on the first part of every series (or loaded with --model) and scored
 * only on targets in the rest, so no forecast is scored on a point it was trained on.
 */

const HORIZONS = [5, 15, 30];

export interface ForecastEvalOptions {
  scenarios?: string;
  logs?: string;
  model?: string;
  configFile?: string;
  trainFraction?: number;
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
  /** Where progress goes (a bar on a terminal, JSON lines otherwise); none without. */
  progress?: NodeJS.WritableStream;
}

export interface ForecastEvalReport {
  data: { kind: 'scenarios' | 'logs'; source: string; scenarios: string[]; series: number; points: number; lines: number; trainFraction: number };
  tfjs: { source: 'trained' | 'loaded'; version: string; backend: string; epochs: number | null; trainSeconds: number | null } | null;
  baseline: string;
  horizons: number[];
  /** Scored points per horizon (the same for every forecaster). */
  points: Record<string, number>;
  /** forecaster -> horizon -> scores. */
  forecasters: Record<string, Record<string, { mase: number | null; pooledMase: number | null; mae: number | null; coverage: number | null }>>;
  /** Per scenario (or per series for --logs): MASE at 15 of each forecaster over its series. */
  groups: Array<{ group: string; series: number; mase15: Record<string, number | null> }>;
  seconds: number;
}

/** Scenario files of a directory, or the built-in suite (or the built-in scenarios before it exists). */
function scenarioSources(dir: string | undefined): { source: string; entries: Array<{ name: string; ref: string }> } {
  const d = dir ?? (existsSync(BUILTIN_SUITE_DIR) ? BUILTIN_SUITE_DIR : undefined);
  if (d === undefined) return { source: 'built-in scenarios', entries: builtinScenarioNames().map((n) => ({ name: n, ref: n })) };
  let files: string[];
  try {
    files = readdirSync(d).filter((f) => ['.json', '.yaml', '.yml'].includes(extname(f).toLowerCase())).sort();
  } catch (cause) {
    throw new ForesightError('USAGE', `cannot read scenario directory ${d}`, { cause });
  }
  if (files.length === 0) throw new ForesightError('USAGE', `no .json/.yaml scenarios in ${d}`);
  return { source: dir ?? 'built-in suite', entries: files.map((f) => ({ name: f.replace(/\.(json|ya?ml)$/i, ''), ref: join(d, f) })) };
}

/**
 * Every scenario simulated through the real ingest stage into p95 series. The simulator runs
 * synchronously: `onStep(lines, fraction)` after each simulated minute, the fraction by
 * simulated minutes over all scenarios.
 */
export async function scenarioSeries(
  dir: string | undefined, ingest: ReturnType<typeof loadConfig>['config']['ingest'], say: (l: string) => void,
  onStep?: (lines: number, fraction: number) => void,
): Promise<{ series: Map<string, SeriesPoint[]>; names: string[]; source: string; lines: number }> {
  const { source, entries } = scenarioSources(dir);
  const scenarios = entries.map((e) => ({ name: e.name, scenario: loadScenario(e.ref) }));
  const totalMinutes = scenarios.reduce((a, s) => a + s.scenario.durationMinutes, 0);
  const series = new Map<string, SeriesPoint[]>();
  let lines = 0;
  let minutes = 0;
  for (const { name, scenario } of scenarios) {
    const sim = createSimulator(scenario, {});
    const collector = createSeriesCollector(ingest);
    let seq = 0;
    const begun = minutes;
    for (const step of sim.run(scenario.durationMinutes)) {
      if (step.lines.length > 0) {
        const batch: RawInput[] = step.lines.map((text) => ({ text, bytes: Buffer.byteLength(text), position: { kind: 'simulator', seq: ++seq }, receivedAt: step.end }));
        collector.add(batch);
      }
      minutes = Math.min(begun + scenario.durationMinutes, minutes + (step.end - step.t) / 60_000);
      onStep?.(lines + seq, totalMinutes > 0 ? minutes / totalMinutes : 0);
    }
    minutes = begun + scenario.durationMinutes;
    const out = collector.finish();
    lines += out.lines;
    for (const [svc, s] of collectSeries(out.points)) series.set(`${name}/${svc}`, s);
    say(`  ${name}: ${scenario.durationMinutes} min, ${out.lines} lines, ${out.points.length} windows`);
  }
  onStep?.(lines, 1);
  return { series, names: entries.map((e) => e.name), source, lines };
}

export async function evalForecast(opts: ForecastEvalOptions): Promise<ForecastEvalReport> {
  return withPhases(opts.progress, 'eval forecast', opts.log, (phases) => evalForecastIn(opts, phases));
}

async function evalForecastIn(opts: ForecastEvalOptions, phases: Phases): Promise<ForecastEvalReport> {
  const started = performance.now();
  const say = phases.log;
  const { config } = loadConfig(opts.configFile);
  const models: ModelsConfig = config.models;
  if (horizonSteps(models) < Math.max(...HORIZONS)) throw new ForesightError('USAGE', `models.horizonMinutes must be at least ${Math.max(...HORIZONS)} for eval forecast`);
  const trainFraction = opts.trainFraction ?? 0.5;
  if (opts.scenarios && opts.logs) throw new ForesightError('USAGE', 'give --scenarios or --logs, not both');

  let data: ForecastEvalReport['data'];
  let series: Map<string, SeriesPoint[]>;
  if (opts.logs) {
    phases.next('reading logs', 'lines');
    const h = await readHistory([opts.logs], config.ingest, phases.step);
    series = h.series;
    data = { kind: 'logs', source: opts.logs, scenarios: [], series: 0, points: 0, lines: h.lines, trainFraction };
  } else {
    say('simulating scenarios through ingest');
    phases.next('simulating', 'lines');
    const s = await scenarioSeries(opts.scenarios, config.ingest, say, phases.step);
    series = s.series;
    data = { kind: 'scenarios', source: s.source, scenarios: s.names, series: 0, points: 0, lines: s.lines, trainFraction };
  }
  data.series = series.size;
  for (const s of series.values()) data.points += s.length;
  if (series.size === 0) throw new ForesightError('USAGE', 'no latency series to evaluate');

  const { tf, backend } = await loadTf({ log: silentLogger });
  let result: EvalResult;
  let tfjs: ForecastEvalReport['tfjs'];
  if (opts.model) {
    const loaded = await loadModel(tf, createFileModelStore(opts.model), models.tfjs.modelName, { stepMs: models.stepMs, horizon: horizonSteps(models), quantiles: models.quantiles });
    const evalSeries: EvalSeries[] = [...series].map(([id, points]) => ({ id, points, testFrom: Math.floor(points.length * trainFraction) }));
    const factories: ForecasterFactory[] = [...baselineFactories(models), { name: 'tfjs_mlp', create: () => new TfForecaster(tf, loaded, { stepMs: models.stepMs }) }];
    phases.next('scoring', 'series', evalSeries.length);
    result = evaluateForecasters(evalSeries, factories, { stepMs: models.stepMs, horizons: HORIZONS, baseline: MASE_BASELINE, calibration: calibrationOf(models), onSeries: (done) => phases.step(done) });
    tfjs = { source: 'loaded', version: loaded.meta.version, backend, epochs: null, trainSeconds: null };
    loaded.model.dispose();
  } else {
    say(`training tfjs_mlp on the first ${Math.round(trainFraction * 100)}% of each series (${backend} backend)`);
    // Early stopping usually ends before the maximum, so the fitting ETA is an upper bound.
    phases.next('fitting', 'epochs', opts.epochs ?? DEFAULT_MAX_EPOCHS);
    const fit = await fitAndValidate(tf, series, models, {
      holdout: 1 - trainFraction, epochs: opts.epochs, seed: opts.seed, now: 0,
      onEpoch: (e, loss, v) => {
        phases.step(e + 1);
        if (e % 10 === 0) say(`  epoch ${e + 1}: loss ${loss.toFixed(4)}${v === null ? '' : ` validation ${v.toFixed(4)}`}`);
      },
      onValidate: () => phases.next('scoring', 'series', series.size),
      onValidateSeries: (done) => phases.step(done),
    });
    result = fit.evaluation;
    const t = fit.trained.meta.training;
    tfjs = { source: 'trained', version: fit.trained.meta.version, backend, epochs: t.epochs, trainSeconds: t.seconds };
    fit.trained.model.dispose();
  }

  const forecasters: ForecastEvalReport['forecasters'] = {};
  for (const [name, scores] of Object.entries(result.forecasters)) {
    forecasters[name] = Object.fromEntries(scores.map((s) => [String(s.h), { mase: s.mase, pooledMase: s.pooledMase, mae: s.mae, coverage: s.coverage }]));
  }
  return { data, tfjs, baseline: result.baseline, horizons: result.horizons, points: result.points, forecasters, groups: groupMase(result, data.kind === 'scenarios'), seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
}

/** Geometric mean of relative MAE at h=15 per scenario (series ids are `scenario/service`). */
function groupMase(result: EvalResult, byScenario: boolean): ForecastEvalReport['groups'] {
  const groups = new Map<string, EvalResult['bySeries']>();
  for (const s of result.bySeries) {
    const g = byScenario ? s.id.slice(0, s.id.indexOf('/')) : s.id;
    groups.set(g, [...(groups.get(g) ?? []), s]);
  }
  return [...groups].map(([group, members]) => {
    const mase15: Record<string, number | null> = {};
    for (const name of Object.keys(result.forecasters)) {
      const logs = members.map((m) => m.relMae[name]?.['15']).filter((v): v is number => typeof v === 'number' && v > 0).map(Math.log);
      mase15[name] = logs.length > 0 ? Number(Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length).toFixed(3)) : null;
    }
    return { group, series: members.length, mase15 };
  });
}

export function formatForecastTable(r: ForecastEvalReport): string {
  const f = (v: number | null | undefined, pct = false): string => (v === null || v === undefined ? 'n/a' : pct ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));
  const hs = r.horizons;
  const head = ['forecaster'.padEnd(16), ...hs.map((h) => `MASE@${h}`.padStart(9)), ...hs.map((h) => `cover@${h}`.padStart(9))].join(' ');
  const rows = Object.entries(r.forecasters).map(([name, by]) => [name.padEnd(16), ...hs.map((h) => f(by[String(h)]?.mase).padStart(9)), ...hs.map((h) => f(by[String(h)]?.coverage, true).padStart(9))].join(' '));
  return [
    `${r.data.series} series (${r.data.source}), ${r.data.points} points; scored on the last ${Math.round((1 - r.data.trainFraction) * 100)}%: ${hs.map((h) => `${r.points[String(h)] ?? 0} at h=${h}`).join(', ')}`,
    `MASE = geometric mean over series of MAE / MAE(${r.baseline}); coverage of p10-p90 (nominal 80%)`,
    head,
    ...rows,
    '',
    `MASE@15 by ${r.data.kind === 'scenarios' ? 'scenario' : 'series'}:`,
    ['group'.padEnd(28), ...Object.keys(r.forecasters).map((n) => n.padStart(15))].join(' '),
    ...r.groups.map((g) => [g.group.padEnd(28), ...Object.keys(r.forecasters).map((n) => f(g.mase15[n]).padStart(15))].join(' ')),
  ].join('\n');
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ForecastCliOptions {
  scenarios?: string;
  logs?: string;
  model?: string;
  config?: string;
  epochs?: number;
  seed?: number;
  trainFraction?: number;
  json: boolean;
}

/** `foresight eval forecast` (options parsed in daemon/cli/commands/eval/forecast.ts). */
export async function runEvalForecastCli(opts: ForecastCliOptions, io: Io): Promise<number> {
  const r = await evalForecast({
    scenarios: opts.scenarios, logs: opts.logs, model: opts.model, configFile: opts.config, trainFraction: opts.trainFraction,
    epochs: opts.epochs, seed: opts.seed,
    log: (line) => io.stderr.write(`${line}\n`), progress: io.stderr,
  });
  const table = formatForecastTable(r);
  if (opts.json) {
    io.stderr.write(`${table}\n`);
    io.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    io.stdout.write(`${table}\n(${r.seconds}s)\n`);
  }
  return 0;
}
