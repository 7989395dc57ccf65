import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import type { RawInput } from '../../ingest/types.ts';
import { builtinScenarioNames, createSimulator, loadScenario } from '../../ingest/sources/simulator/index.ts';
import { baselineFactories, MASE_BASELINE } from '../../models/baselines.ts';
import { calibrationOf } from '../../models/calibration.ts';
import { horizonSteps, type ModelsConfig } from '../../models/config.ts';
import { maseAt, scoreSeries, summariseScores, type EvalResult, type EvalSeries, type ForecasterFactory, type SeriesScore } from '../../models/evaluate.ts';
import { collectSeries } from '../../models/series.ts';
import type { SeriesPoint } from '../../models/types.ts';
import { loadModel, type LoadedModel } from '../../models/tfjs/artifacts.ts';
import { loadTf } from '../../models/tfjs/backend.ts';
import { fitAndValidate, heldOutFrom, trainOnFirstParts, type FitOptions } from '../../models/tfjs/fit.ts';
import { TfForecaster } from '../../models/tfjs/forecaster.ts';
import { createFileModelStore } from '../../models/tfjs/store.ts';
import { loadConfig } from '../config.ts';
import { createSeriesCollector, readHistory } from '../train.ts';
import { DEFAULT_MAX_EPOCHS } from '../../models/tfjs/model.ts';
import { withPhases, type Phases } from '../progress.ts';
import { familyOf, type Family } from './folds.ts';
import { forecastFolds, scenarioOfSeries } from './forecast-folds.ts';
import { BUILTIN_SUITE_DIR } from './suite.ts';

/**
 * `foresight eval forecast`: forecast error of every forecaster on the same held-out points.
 *
 *   scenarios ─► simulator logs ─► real ingest ─► p95 series ─┬─ first part ─► train tfjs_mlp
 *                                                            └─ rest ─► MASE at 5/15/30, coverage
 *
 *   --folds K:            per family fold: first parts of the other families' series ─► train
 *                                          rest of the fold's own series ─► score; pooled over folds
 *   --train-scenarios D:  first parts of D's series ─► train; rest of the scored series ─► score
 *
 * Definitions are in models/evaluate.ts and docs/forecasting.md. The TF.js model is
 * trained here on the first part of every series (or loaded with --model) and scored
 * only on targets in the rest, so no forecast is scored on a point it was trained on.
 * The scored points are the same in every mode, so the figures can stand side by side.
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
  /** Cross-validate by scenario family (2..5 folds), beside the in-sample figures. */
  folds?: number;
  /** Train the model on these scenarios' series instead (a directory, or `suite`); score `scenarios`/`logs`. */
  trainScenarios?: string;
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
  /** With --train-scenarios: what the model was trained on (the first part of each of these series). */
  trainedOn?: { source: string; scenarios: string[]; series: number; points: number };
  /** With --folds: each fold's held-out family scored by a model trained without it. */
  folds?: ForecastFoldReport[];
  /** With --folds: every fold's held-out scores pooled (the top-level figures stay in-sample). */
  crossValidated?: CrossValidatedReport;
  seconds: number;
}

/** The best forecaster other than tfjs_mlp at a horizon, and its MASE. */
export interface BestBaseline { name: string | null; mase: number | null }

export interface ForecastFoldReport {
  heldOut: Family[];
  scenarios: string[];
  /** Series scored (all of the held-out families'). */
  series: number;
  /** Series trained on (all of the other families'). */
  trainSeries: number;
  tfjs: { version: string; epochs: number; trainSeconds: number };
  points: Record<string, number>;
  forecasters: ForecastEvalReport['forecasters'];
  bestBaseline15: BestBaseline;
}

export interface CrossValidatedReport {
  k: number;
  training: string;
  points: Record<string, number>;
  forecasters: ForecastEvalReport['forecasters'];
  groups: ForecastEvalReport['groups'];
  bestBaseline15: BestBaseline;
  tfjsMase15: number | null;
  /** tfjs_mlp's pooled cross-validated MASE@15 is below the best baseline's. */
  beatsBestBaseline: boolean;
  /** The same two figures in sample (the top-level run), side by side. */
  inSample: { tfjsMase15: number | null; bestBaseline15: BestBaseline };
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
): Promise<{ series: Map<string, SeriesPoint[]>; names: string[]; families: Map<string, Family>; source: string; lines: number }> {
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
  const families = new Map(scenarios.map(({ name, scenario }) => [name, familyOf(scenario)]));
  return { series, names: entries.map((e) => e.name), families, source, lines };
}

export async function evalForecast(opts: ForecastEvalOptions): Promise<ForecastEvalReport> {
  return withPhases(opts.progress, 'eval forecast', opts.log, (phases) => evalForecastIn(opts, phases));
}

/** `--train-scenarios suite`: the built-in suite (its path differs between the sources and dist/). */
const SUITE_KEYWORD = 'suite';

async function evalForecastIn(opts: ForecastEvalOptions, phases: Phases): Promise<ForecastEvalReport> {
  const started = performance.now();
  const say = phases.log;
  const { config } = loadConfig(opts.configFile);
  const models: ModelsConfig = config.models;
  if (horizonSteps(models) < Math.max(...HORIZONS)) throw new ForesightError('USAGE', `models.horizonMinutes must be at least ${Math.max(...HORIZONS)} for eval forecast`);
  const trainFraction = opts.trainFraction ?? 0.5;
  if (opts.scenarios && opts.logs) throw new ForesightError('USAGE', 'give --scenarios or --logs, not both');
  if (opts.model && opts.trainScenarios) throw new ForesightError('USAGE', 'give --model or --train-scenarios, not both');
  if (opts.folds !== undefined) {
    if (opts.folds < 2 || opts.folds > 5) throw new ForesightError('USAGE', `--folds must be 2..5 (there are 5 scenario families), got ${opts.folds}`);
    if (opts.logs) throw new ForesightError('USAGE', '--folds splits scenarios by family: it needs scenarios, not --logs');
    if (opts.model || opts.trainScenarios) throw new ForesightError('USAGE', '--folds trains its own models: not with --model or --train-scenarios');
  }

  let data: ForecastEvalReport['data'];
  let series: Map<string, SeriesPoint[]>;
  let families = new Map<string, Family>();
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
    families = s.families;
    data = { kind: 'scenarios', source: s.source, scenarios: s.names, series: 0, points: 0, lines: s.lines, trainFraction };
  }
  data.series = series.size;
  for (const s of series.values()) data.points += s.length;
  if (series.size === 0) throw new ForesightError('USAGE', 'no latency series to evaluate');

  const { tf, backend } = await loadTf({ log: silentLogger });
  const holdout = 1 - trainFraction;
  const fitOpts = { holdout, epochs: opts.epochs, seed: opts.seed, now: 0 };
  const evalSeries = (ids: Iterable<string>): EvalSeries[] => [...ids].map((id) => {
    const points = series.get(id) as SeriesPoint[];
    return { id, points, testFrom: heldOutFrom(points.length, holdout) };
  });
  const fitting = (label: string): Pick<FitOptions, 'onEpoch'> => {
    // Early stopping usually ends before the maximum, so the fitting ETA is an upper bound.
    phases.next(label, 'epochs', opts.epochs ?? DEFAULT_MAX_EPOCHS);
    return {
      onEpoch: (e, loss, v) => {
        phases.step(e + 1);
        if (e % 10 === 0) say(`  epoch ${e + 1}: loss ${loss.toFixed(4)}${v === null ? '' : ` validation ${v.toFixed(4)}`}`);
      },
    };
  };
  /** Every series scored with the baselines and `model`, each series' sums kept for pooling. */
  const score = (label: string, ids: readonly string[], model: LoadedModel): SeriesScore[] => {
    const factories: ForecasterFactory[] = [...baselineFactories(models), { name: 'tfjs_mlp', create: () => new TfForecaster(tf, model, { stepMs: models.stepMs }) }];
    const evalOpts = { stepMs: models.stepMs, horizons: HORIZONS, baseline: MASE_BASELINE, calibration: calibrationOf(models) };
    phases.next(label, 'series', ids.length);
    return evalSeries(ids).map((s, i) => {
      const sc = scoreSeries(s, factories, evalOpts);
      phases.step(i + 1);
      return sc;
    });
  };
  const names = [...baselineFactories(models).map((f) => f.name), 'tfjs_mlp'];
  const summarise = (scores: readonly SeriesScore[]): EvalResult => summariseScores(scores, names, { horizons: HORIZONS, baseline: MASE_BASELINE });

  let result: EvalResult;
  let tfjs: ForecastEvalReport['tfjs'];
  let trainedOn: ForecastEvalReport['trainedOn'];
  if (opts.model) {
    const loaded = await loadModel(tf, createFileModelStore(opts.model), models.tfjs.modelName, { stepMs: models.stepMs, horizon: horizonSteps(models), quantiles: models.quantiles });
    result = summarise(score('scoring', [...series.keys()], loaded));
    tfjs = { source: 'loaded', version: loaded.meta.version, backend, epochs: null, trainSeconds: null };
    loaded.model.dispose();
  } else if (opts.trainScenarios) {
    // A true out-of-sample check: the model never sees any series it is scored on.
    say('simulating the training scenarios through ingest');
    phases.next('simulating training scenarios', 'lines');
    const t = await scenarioSeries(opts.trainScenarios === SUITE_KEYWORD ? undefined : opts.trainScenarios, config.ingest, say, phases.step);
    const trainSeries = [...t.series.values()];
    trainedOn = { source: t.source, scenarios: t.names, series: t.series.size, points: trainSeries.reduce((a, s) => a + s.length, 0) };
    say(`training tfjs_mlp on the first ${Math.round(trainFraction * 100)}% of each series of ${t.source} (${backend} backend)`);
    const trained = await trainOnFirstParts(tf, trainSeries, models, { ...fitOpts, ...fitting('fitting') });
    result = summarise(score('scoring', [...series.keys()], trained));
    const m = trained.meta.training;
    tfjs = { source: 'trained', version: trained.meta.version, backend, epochs: m.epochs, trainSeconds: m.seconds };
    trained.model.dispose();
  } else {
    say(`training tfjs_mlp on the first ${Math.round(trainFraction * 100)}% of each series (${backend} backend)`);
    const fit = await fitAndValidate(tf, series, models, {
      ...fitOpts, ...fitting('fitting'),
      onValidate: () => phases.next('scoring', 'series', series.size),
      onValidateSeries: (done) => phases.step(done),
    });
    result = fit.evaluation;
    const t = fit.trained.meta.training;
    tfjs = { source: 'trained', version: fit.trained.meta.version, backend, epochs: t.epochs, trainSeconds: t.seconds };
    fit.trained.model.dispose();
  }

  const report: ForecastEvalReport = {
    data, tfjs, baseline: result.baseline, horizons: result.horizons, points: result.points, forecasters: scoresOf(result),
    groups: groupMase(result, data.kind === 'scenarios'), seconds: 0,
  };
  if (trainedOn) report.trainedOn = trainedOn;

  if (opts.folds !== undefined) {
    const plan = forecastFolds([...series.keys()], families, opts.folds);
    say(`cross-validating: ${plan.length} folds by scenario family (${plan.map((f) => f.heldOut.join('+')).join(' | ')}), each model trained on the first ${Math.round(trainFraction * 100)}% of the other families' series`);
    const folds: ForecastFoldReport[] = [];
    const pooled: SeriesScore[] = [];
    for (const [i, fold] of plan.entries()) {
      const tag = `fold ${i + 1}/${plan.length} (${fold.heldOut.join('+')})`;
      say(`${tag}: training on ${fold.train.length} series, scoring ${fold.test.length}`);
      const trained = await trainOnFirstParts(tf, fold.train.map((id) => series.get(id) as SeriesPoint[]), models, { ...fitOpts, ...fitting(`fitting ${tag}`) });
      const scores = score(`scoring ${tag}`, fold.test, trained);
      trained.model.dispose();
      pooled.push(...scores);
      const r = summarise(scores);
      const m = trained.meta.training;
      folds.push({
        heldOut: fold.heldOut,
        scenarios: [...new Set(fold.test.map(scenarioOfSeries))],
        series: fold.test.length,
        trainSeries: fold.train.length,
        tfjs: { version: trained.meta.version, epochs: m.epochs, trainSeconds: m.seconds },
        points: r.points,
        forecasters: scoresOf(r),
        bestBaseline15: bestBaselineAt(r, 15),
      });
    }
    // Pooled in the series' own order, so the by-scenario rows line up with the in-sample ones.
    const order = new Map([...series.keys()].map((id, i) => [id, i]));
    pooled.sort((x, y) => (order.get(x.id) as number) - (order.get(y.id) as number));
    const cv = summarise(pooled);
    const best = bestBaselineAt(cv, 15);
    const tfMase = maseAt(cv, 15, 'tfjs_mlp').mase.tfjs_mlp ?? null;
    report.folds = folds;
    report.crossValidated = {
      k: plan.length,
      training: `first ${Math.round(trainFraction * 100)}% of every series of the other families`,
      points: cv.points,
      forecasters: scoresOf(cv),
      groups: groupMase(cv, true),
      bestBaseline15: best,
      tfjsMase15: tfMase,
      beatsBestBaseline: tfMase !== null && best.mase !== null && tfMase < best.mase,
      inSample: { tfjsMase15: maseAt(result, 15, 'tfjs_mlp').mase.tfjs_mlp ?? null, bestBaseline15: bestBaselineAt(result, 15) },
    };
  }
  report.seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  return report;
}

function scoresOf(result: EvalResult): ForecastEvalReport['forecasters'] {
  const out: ForecastEvalReport['forecasters'] = {};
  for (const [name, scores] of Object.entries(result.forecasters)) {
    out[name] = Object.fromEntries(scores.map((s) => [String(s.h), { mase: s.mase, pooledMase: s.pooledMase, mae: s.mae, coverage: s.coverage }]));
  }
  return out;
}

/** The best forecaster at h other than the TF.js model: what the model has to beat. */
function bestBaselineAt(result: EvalResult, h: number): BestBaseline {
  const { best, bestMase } = maseAt(result, h, 'tfjs_mlp');
  return { name: best, mase: bestMase };
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

const fmt = (v: number | null | undefined, pct = false): string => (v === null || v === undefined ? 'n/a' : pct ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));

function forecasterRows(forecasters: ForecastEvalReport['forecasters'], hs: readonly number[]): string[] {
  const head = ['forecaster'.padEnd(16), ...hs.map((h) => `MASE@${h}`.padStart(9)), ...hs.map((h) => `cover@${h}`.padStart(9))].join(' ');
  const rows = Object.entries(forecasters).map(([name, by]) => [name.padEnd(16), ...hs.map((h) => fmt(by[String(h)]?.mase).padStart(9)), ...hs.map((h) => fmt(by[String(h)]?.coverage, true).padStart(9))].join(' '));
  return [head, ...rows];
}

function groupRows(groups: ForecastEvalReport['groups'], names: readonly string[]): string[] {
  return [
    ['group'.padEnd(28), ...names.map((n) => n.padStart(15))].join(' '),
    ...groups.map((g) => [g.group.padEnd(28), ...names.map((n) => fmt(g.mase15[n]).padStart(15))].join(' ')),
  ];
}

const bestText = (b: BestBaseline): string => `${b.name ?? 'none'} ${fmt(b.mase)}`;

export function formatForecastTable(r: ForecastEvalReport): string {
  const hs = r.horizons;
  const names = Object.keys(r.forecasters);
  const lines = [
    `${r.data.series} series (${r.data.source}), ${r.data.points} points; scored on the last ${Math.round((1 - r.data.trainFraction) * 100)}%: ${hs.map((h) => `${r.points[String(h)] ?? 0} at h=${h}`).join(', ')}`,
  ];
  if (r.trainedOn) lines.push(`tfjs_mlp trained on the first ${Math.round(r.data.trainFraction * 100)}% of ${r.trainedOn.series} series of ${r.trainedOn.source} (${r.trainedOn.points} points): none of the scored series`);
  lines.push(
    `MASE = geometric mean over series of MAE / MAE(${r.baseline}); coverage of p10-p90 (nominal 80%)`,
    ...forecasterRows(r.forecasters, hs),
    '',
    `MASE@15 by ${r.data.kind === 'scenarios' ? 'scenario' : 'series'}:`,
    ...groupRows(r.groups, names),
  );
  const cv = r.crossValidated;
  if (r.folds && cv) {
    lines.push(
      '',
      `cross-validated, ${cv.k} folds by scenario family: each fold's model trained on the ${cv.training}, scored on the held-out family's series (same points as above)`,
      ['fold'.padEnd(5), 'held out'.padEnd(22), 'scored'.padStart(6), 'trained'.padStart(7), ...hs.map((h) => `tfjs@${h}`.padStart(8)), 'cover@15'.padStart(9), '  best baseline@15'].join(' '),
      ...r.folds.map((f, i) => {
        const t = f.forecasters.tfjs_mlp;
        return [String(i + 1).padEnd(5), f.heldOut.join('+').padEnd(22), String(f.series).padStart(6), String(f.trainSeries).padStart(7), ...hs.map((h) => fmt(t?.[String(h)]?.mase).padStart(8)), fmt(t?.['15']?.coverage, true).padStart(9), `  ${bestText(f.bestBaseline15)}`].join(' ');
      }),
      '',
      `pooled over the folds: ${hs.map((h) => `${cv.points[String(h)] ?? 0} at h=${h}`).join(', ')}`,
      ...forecasterRows(cv.forecasters, hs),
      '',
      'MASE@15 by scenario, cross-validated:',
      ...groupRows(cv.groups, names),
      '',
      `tfjs_mlp MASE@15: cross-validated ${fmt(cv.tfjsMase15)} vs best baseline ${bestText(cv.bestBaseline15)}${cv.beatsBestBaseline ? ' (beats it)' : ' (does NOT beat it)'}; in sample ${fmt(cv.inSample.tfjsMase15)} vs ${bestText(cv.inSample.bestBaseline15)}`,
    );
  }
  return lines.join('\n');
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
  folds?: number;
  trainScenarios?: string;
  json: boolean;
}

/** `foresight eval forecast` (options parsed in daemon/cli/commands/eval/forecast.ts). */
export async function runEvalForecastCli(opts: ForecastCliOptions, io: Io): Promise<number> {
  const r = await evalForecast({
    scenarios: opts.scenarios, logs: opts.logs, model: opts.model, configFile: opts.config, trainFraction: opts.trainFraction,
    epochs: opts.epochs, seed: opts.seed, folds: opts.folds, trainScenarios: opts.trainScenarios,
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
