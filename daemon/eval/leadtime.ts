/**
 * `foresight eval leadtime [--scenarios DIR] [--json] [--seed S] [--config FILE]`
 *
 *   suite (scenario files) ─► per scenario, same seed:  none │ reactive │ foresight  (arms.ts)
 *                                                        └──── ground truth, detections
 *                          ─► score (score.ts) ─► table on stderr, JSON on stdout's last line
 */
import { ForesightError } from '../../core/errors.ts';
import { loadConfig, type Config } from '../config.ts';
import { simulatorOptionsSchema, type Scenario } from '../../ingest/sources/simulator/index.ts';
import { reactiveConfigSchema, type ReactiveConfig } from '../../remediator/reactive.ts';
import { evalConfig, runCapacity, runForesight, runNone, runReactive } from './arms.ts';
import { FOLD_GRID, crossValidate, familyOf, foldsOf, gridName, withGridPoint, type CrossValidation } from './folds.ts';
import { quantile, scoreScenario, summarise, type CallGraph, type FixableMinutes, type LeadtimeSummary, type ScenarioScore } from './score.ts';
import { loadSuite, type SuiteEntry } from './suite.ts';
import { withProgress } from '../progress.ts';
import { countAlerts } from './alerts.ts';
import { alertPolicySchema } from '../../remediator/alerts/config.ts';

export type SeedLabel = number | 'own';

export interface LeadtimeOptions {
  /** Scenario directory; the built-in suite when unset. */
  scenariosDir?: string;
  /** One seed for every scenario; each scenario's own seed when unset. */
  seed?: number;
  /** Several seeds in one run (each a full pass of the suite); overrides `seed`. */
  seeds?: SeedLabel[];
  config: Config;
  /** Foresight configs to run besides `config` (the fold grid); each scored on every run. */
  variants?: Config[];
  reactive?: ReactiveConfig;
  /** Run the capacity oracle per scenario and seed and report `fixable` (default true). */
  capacityOracle?: boolean;
  progress?: (line: string) => void;
  /** After each scenario run: runs done and in all (scenarios × seeds). */
  onRun?: (done: number, total: number) => void;
}

export interface SeedResult {
  seed: SeedLabel;
  summary: LeadtimeSummary & Pick<AlertSummary, 'alertsPerServiceDay'>;
  perScenario: ScenarioScore[];
}

/** Alerts a person would get (the notifier's planner over the foresight arm, main config). */
export interface AlertSummary {
  /** Over the steady scenarios (no scored incident: none declared and no SLO breach in the no-action arm): the target is at most 1. */
  alertsPerServiceDay: number | null;
  /** Over every scenario. */
  alertsPerServiceDayAll: number;
  /** Per scenario (summed over seeds). */
  alertsByScenario: Record<string, { alerts: number; serviceDays: number; byKind: Record<string, number> }>;
}

export interface LeadtimeResult {
  /** Pooled over every seed run. */
  summary: LeadtimeSummary & AlertSummary;
  perScenario: Array<ScenarioScore & { seed: SeedLabel }>;
  bySeed: SeedResult[];
  /** Per variant (same order as `variants`), the scores of every run, in perScenario's order. */
  variantScores: ScenarioScore[][];
  /** Each run's scenario, in perScenario's order. */
  runs: Array<{ seed: SeedLabel; scenario: Scenario }>;
}

/** `--seeds N`: the scenarios' own seeds, then 101, 202, ... */
export function defaultSeeds(n: number): SeedLabel[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'own' : 101 * i));
}

export async function evaluateLeadtime(opts: LeadtimeOptions): Promise<LeadtimeResult> {
  const started = performance.now();
  const suite: SuiteEntry[] = loadSuite(opts.scenariosDir);
  const reactive = opts.reactive ?? reactiveConfigSchema.parse({});
  const warmupMs = simulatorOptionsSchema.parse({}).scaleOutWarmupMs;
  const seeds: SeedLabel[] = opts.seeds ?? [opts.seed ?? 'own'];
  const variants = opts.variants ?? [];
  const bySeed: SeedResult[] = [];
  const perScenario: LeadtimeResult['perScenario'] = [];
  const variantScores: ScenarioScore[][] = variants.map(() => []);
  const runs: LeadtimeResult['runs'] = [];
  const mainJson = JSON.stringify(opts.config);
  const sameConfig = variants.map((v) => JSON.stringify(v) === mainJson);
  const policy = opts.config.alerts ?? alertPolicySchema.parse({});
  const alertsByScenario: AlertSummary['alertsByScenario'] = {};
  let steadyAlerts = 0;
  let steadyDays = 0;
  for (const label of seeds) {
    const seedStarted = performance.now();
    const scores: ScenarioScore[] = [];
    const seedSteady = { alerts: 0, days: 0 };
    for (const [k, { scenario }] of suite.entries()) {
      const t0 = performance.now();
      const seed = label === 'own' ? (scenario.seed ?? 1) : label;
      const none = runNone(scenario, seed);
      const re = await runReactive(scenario, seed, evalConfig(opts.config, scenario, warmupMs), reactive);
      const oracle = opts.capacityOracle === false ? undefined : runCapacity(scenario, seed);
      const armSeconds = (performance.now() - t0) / 1000;
      const scoreWith = async (base: Config): Promise<{ score: ScenarioScore; actions: number; alerts: ReturnType<typeof countAlerts> }> => {
        const t1 = performance.now();
        const fs = await runForesight(scenario, seed, evalConfig(base, scenario, warmupMs));
        const score = scoreScenario({
          name: scenario.name, durationMinutes: scenario.durationMinutes, services: scenario.services.map((s) => s.name),
          horizonMs: base.models.horizonMinutes * 60_000, calls: callGraph(scenario),
          truth: { none: none.truth, reactive: re.truth, foresight: fs.truth }, capacity: oracle?.truth, detections: fs.detections, seconds: armSeconds + (performance.now() - t1) / 1000,
        });
        return { score, actions: fs.actions, alerts: countAlerts(fs.detections.map((t) => t.detection), fs.records, policy) };
      };
      const main = await scoreWith(opts.config);
      const score = main.score;
      const counted = alertsByScenario[scenario.name] ??= { alerts: 0, serviceDays: 0, byKind: {} };
      counted.alerts += main.alerts.total;
      counted.serviceDays = Number((counted.serviceDays + score.serviceDays).toFixed(3));
      for (const [kind, n] of Object.entries(main.alerts.byKind)) counted.byKind[kind] = (counted.byKind[kind] ?? 0) + n;
      // Steady: nothing to act on — no declared incident and no SLO breach without Foresight
      // (a breach driven by load alone, as in diurnal-peak, is scored as a 'load' incident).
      if (score.incidents.length === 0) {
        steadyAlerts += main.alerts.total; steadyDays += score.serviceDays;
        seedSteady.alerts += main.alerts.total; seedSteady.days += score.serviceDays;
      }
      // A variant equal to the main config (the defaults are a grid point) is not run twice.
      for (const [v, cfg] of variants.entries()) variantScores[v]!.push(sameConfig[v] ? score : (await scoreWith(cfg)).score);
      scores.push(score);
      perScenario.push({ ...score, seed: label });
      runs.push({ seed: label, scenario });
      for (const i of score.incidents) {
        if (i.predictable !== i.declaredPredictable) opts.progress?.(`  note: ${scenario.name}: ${i.kind} on ${i.service} is declared predictable but breached ${((i.breachAt! - i.start) / 60_000).toFixed(1)} min after it began; scored as not predictable`);
      }
      const extra = variants.length ? `, ${variants.length} grid configs` : '';
      opts.onRun?.(bySeed.length * suite.length + k + 1, seeds.length * suite.length);
      opts.progress?.(`[${k + 1}/${suite.length}] ${scenario.name} (seed ${seed}): none ${none.seconds.toFixed(1)} s, reactive ${re.seconds.toFixed(1)} s (${re.actions} scalings)${oracle ? `, capacity oracle ${oracle.seconds.toFixed(1)} s` : ''}, foresight (${main.actions} scalings, ${score.predictedBreaches} predicted breaches${extra}) ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
    }
    bySeed.push({
      seed: label,
      summary: { ...summarise(scores, (performance.now() - seedStarted) / 1000), alertsPerServiceDay: seedSteady.days > 0 ? Number((seedSteady.alerts / seedSteady.days).toFixed(3)) : null },
      perScenario: scores,
    });
  }
  const days = Object.values(alertsByScenario).reduce((a, x) => a + x.serviceDays, 0);
  const total = Object.values(alertsByScenario).reduce((a, x) => a + x.alerts, 0);
  const alerts: AlertSummary = {
    alertsPerServiceDay: steadyDays > 0 ? Number((steadyAlerts / steadyDays).toFixed(3)) : null,
    alertsPerServiceDayAll: days > 0 ? Number((total / days).toFixed(3)) : 0,
    alertsByScenario,
  };
  return { summary: { ...summarise(perScenario, (performance.now() - started) / 1000), ...alerts }, perScenario, bySeed, variantScores, runs };
}

/** The figures compared across seeds; `lower` when a smaller value is better. */
const SEED_METRICS: Array<{ key: string; lower: boolean; of: (s: SeedResult['summary']) => number | null; optional?: boolean }> = [
  { key: 'recall', lower: false, of: (s) => s.recall },
  { key: 'leadMedian', lower: false, of: (s) => s.leadMinutes.median },
  { key: 'leadP10', lower: false, of: (s) => s.leadMinutes.p10 },
  { key: 'falseAlarmsPerServiceDay', lower: true, of: (s) => s.falseAlarmsPerServiceDay },
  { key: 'breachForesightOverNone', lower: true, of: (s) => ratio(s.sloBreachMinutes.foresight, s.sloBreachMinutes.none) },
  { key: 'breachForesightOverReactive', lower: true, of: (s) => ratio(s.sloBreachMinutes.foresight, s.sloBreachMinutes.reactive) },
  { key: 'replicasForesightOverReactive', lower: true, of: (s) => ratio(s.replicaMinutes.foresight, s.replicaMinutes.reactive) },
  // The same two breach ratios on the minutes capacity can fix (absent with the oracle off).
  { key: 'fixableBreachForesightOverNone', lower: true, of: (s) => s.fixable?.foresightOverNone ?? null, optional: true },
  { key: 'fixableBreachForesightOverReactive', lower: true, of: (s) => s.fixable?.foresightOverReactive ?? null, optional: true },
  // Anomaly and breach alerts a person would get on the steady scenarios (null: the suite has none).
  { key: 'alertsPerServiceDay', lower: true, of: (s) => s.alertsPerServiceDay },
];

function ratio(a: number, b: number): number | null {
  return b > 0 ? Number((a / b).toFixed(3)) : null;
}

export interface SeedSpread {
  /** Median over seeds of each figure. */
  median: Record<string, number | null>;
  /** The worst seed's value of each figure, and which seed it was. */
  worst: Record<string, { value: number | null; seed: SeedLabel }>;
}

/** Median and worst seed of each figure (a missing figure, such as no lead at all, is the worst). */
export function seedSpread(bySeed: readonly SeedResult[]): SeedSpread {
  const median: SeedSpread['median'] = {};
  const worst: SeedSpread['worst'] = {};
  for (const m of SEED_METRICS) {
    if (m.optional && bySeed.every((r) => r.summary.fixable === undefined)) continue;
    const vals = bySeed.map((r) => ({ seed: r.seed, value: m.of(r.summary) }));
    const present = vals.flatMap((v) => (v.value === null ? [] : [v.value]));
    const q = quantile(present, 0.5);
    median[m.key] = q === null ? null : Number(q.toFixed(3));
    const missing = vals.find((v) => v.value === null);
    const w = missing ?? vals.reduce((a, b) => ((m.lower ? b.value! > a.value! : b.value! < a.value!) ? b : a));
    worst[m.key] = { value: w.value, seed: w.seed };
  }
  return { median, worst };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const num = (x: number | null, d = 1): string => (x === null ? '-' : x.toFixed(d));

const recallLine = (s: LeadtimeSummary): string => `recall ${s.recall ?? '-'} (${s.detected}/${s.predictable}), lead median ${num(s.leadMinutes.median)} p10 ${num(s.leadMinutes.p10)}, false alarms ${s.falseAlarms} over ${s.serviceDays} service-days = ${s.falseAlarmsPerServiceDay} per service-day`;

const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);
const fixableLine = (f: NonNullable<LeadtimeSummary['fixable']>): string => `breach minutes capacity can fix (capacity oracle at maxReplicas within its SLO): none ${num(f.sloBreachMinutes.none)}, reactive ${num(f.sloBreachMinutes.reactive)}, foresight ${num(f.sloBreachMinutes.foresight)} = ${pct(f.foresightOverNone)} of none, ${pct(f.foresightOverReactive)} of reactive; the oracle itself breaches ${num(f.capacityBreachMinutes)} min`;

/** The per-scenario table (stderr): lead time and closed-loop columns. */
export function formatTable(rows: readonly ScenarioScore[], s: LeadtimeSummary & Partial<AlertSummary>): string {
  const head = ['scenario', 'svc', 'incid', 'pred', 'found', 'lead min', 'false', 'breach none', 'reactive', 'foresight', 'repl none', 'reactive', 'foresight', 's'];
  const widths = [22, 4, 6, 5, 6, 14, 6, 12, 9, 10, 10, 9, 10, 6];
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' ');
  const out = [line(head)];
  for (const r of rows) {
    const pred = r.incidents.filter((i) => i.predictable && i.breachAt !== null);
    const leads = pred.flatMap((i) => (i.leadMinutes === null ? [] : [i.leadMinutes]));
    out.push(line([
      r.name, String(r.services), String(r.incidents.length), String(pred.length), String(leads.length),
      leads.length ? leads.map((x) => x.toFixed(1)).join(',') : '-', String(r.falseAlarms),
      num(r.sloBreachMinutes.none), num(r.sloBreachMinutes.reactive), num(r.sloBreachMinutes.foresight),
      num(r.replicaMinutes.none, 0), num(r.replicaMinutes.reactive, 0), num(r.replicaMinutes.foresight, 0), num(r.seconds),
    ]));
  }
  out.push(line([
    'total', '', String(s.incidents), String(s.predictable), String(s.detected), `med ${num(s.leadMinutes.median)} p10 ${num(s.leadMinutes.p10)}`, String(s.falseAlarms),
    num(s.sloBreachMinutes.none), num(s.sloBreachMinutes.reactive), num(s.sloBreachMinutes.foresight),
    num(s.replicaMinutes.none, 0), num(s.replicaMinutes.reactive, 0), num(s.replicaMinutes.foresight, 0), num(s.seconds),
  ]));
  out.push(recallLine(s));
  if (s.fixable) out.push(fixableLine(s.fixable));
  if (s.alertsPerServiceDayAll !== undefined) out.push(`alerts per service-day: steady scenarios ${s.alertsPerServiceDay ?? '-'}, all ${s.alertsPerServiceDayAll}`);
  return out.join('\n') + '\n';
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `--seeds N` (the own seeds, then 101, 202, ...) or `--seeds own,101,7` (an explicit list). */
export function parseSeeds(v: string): SeedLabel[] {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 20) throw new ForesightError('USAGE', `--seeds N must be 1..20, got ${v}`);
    return defaultSeeds(n);
  }
  const list = v.split(',').map((x) => x.trim());
  const out = list.map((x): SeedLabel => {
    if (x === 'own') return 'own';
    const n = Number(x);
    if (!Number.isInteger(n) || x === '') throw new ForesightError('USAGE', `--seeds takes N or a comma-separated list of integers and "own", got ${v}`);
    return n;
  });
  if (new Set(out).size !== out.length) throw new ForesightError('USAGE', `--seeds lists a seed twice: ${v}`);
  return out;
}

function foldLines(cv: CrossValidation, heldOutNote: string): string {
  const f = (s: LeadtimeSummary): string => `recall ${s.recall ?? '-'} (${s.detected}/${s.predictable}), lead median ${num(s.leadMinutes.median)} p10 ${num(s.leadMinutes.p10)}, false alarms ${s.falseAlarmsPerServiceDay}/service-day (${s.falseAlarms}), breach min foresight ${s.sloBreachMinutes.foresight} / none ${s.sloBreachMinutes.none} / reactive ${s.sloBreachMinutes.reactive}`;
  const out = [`cross-validation (${heldOutNote}); grid: ${FOLD_GRID.length} points (defaults, then raiseProbability, minPersistence, saturation minSlopeT moved once)`];
  const why = (shown: boolean): string => (shown ? 'shown within the false-alarm budget' : 'no point shown within the false-alarm budget: fewest false alarms');
  for (const fold of cv.folds) {
    out.push(`  held out ${fold.heldOut.join('+')}: chose ${gridName(FOLD_GRID[fold.chosen]!)}, ${why(fold.withinBudget)} (train: ${f(fold.train)})`);
    out.push(`    held-out: ${f(fold.test)}`);
  }
  out.push(`cross-validated: ${f(cv.crossValidated)}`);
  out.push(`in-sample (chosen on all: ${gridName(FOLD_GRID[cv.inSample.chosen]!)}, ${why(cv.inSample.withinBudget)}): ${f(cv.inSample.summary)}`);
  return out.join('\n') + '\n';
}

export interface LeadtimeCliOptions {
  scenarios?: string;
  seed?: number;
  /** `N` or a comma-separated list (see parseSeeds). */
  seeds?: string;
  folds?: number;
  config?: string;
  json: boolean;
}

/** `foresight eval leadtime` (options parsed in daemon/cli/commands/eval/leadtime.ts). */
export async function runEvalLeadtimeCli(opts: LeadtimeCliOptions, io: Io): Promise<number> {
  if (opts.seed !== undefined && opts.seeds !== undefined) throw new ForesightError('USAGE', 'foresight eval leadtime: give --seed or --seeds, not both');
  const folds = opts.folds;
  if (folds !== undefined && (folds < 2 || folds > 5)) throw new ForesightError('USAGE', `--folds must be 2..5 (there are 5 scenario families), got ${folds}`);
  const { config } = loadConfig(opts.config);
  const seeds = opts.seeds === undefined ? undefined : parseSeeds(opts.seeds);
  const runs = { done: 0, total: 0 };
  const result = await withProgress(io.stderr, { task: 'eval leadtime', unit: 'runs', read: () => ({ done: runs.done, fraction: runs.total > 0 ? runs.done / runs.total : 0 }) },
    (bar) => evaluateLeadtime({
      scenariosDir: opts.scenarios,
      seed: opts.seed,
      seeds,
      config,
      variants: folds === undefined ? undefined : FOLD_GRID.map((p) => withGridPoint(config, p)),
      progress: (l) => { if (bar) bar.log(l); else io.stderr.write(l + '\n'); },
      onRun: (done, total) => { runs.done = done; runs.total = total; },
    }));
  for (const r of result.bySeed) {
    if (result.bySeed.length > 1) io.stderr.write(`seed ${r.seed}:\n`);
    io.stderr.write(formatTable(r.perScenario, r.summary));
  }
  io.stderr.write(`alerts per service-day: steady scenarios ${result.summary.alertsPerServiceDay ?? '-'}, all ${result.summary.alertsPerServiceDayAll}\n`);
  const spread = result.bySeed.length > 1 ? seedSpread(result.bySeed) : undefined;
  if (spread) {
    io.stderr.write(`over ${result.bySeed.length} seeds (${result.bySeed.map((r) => r.seed).join(', ')}): pooled ${recallLine(result.summary)}\n`);
    for (const [k, m] of Object.entries(spread.median)) io.stderr.write(`  ${k}: median ${m ?? '-'}, worst ${spread.worst[k]!.value ?? '-'} (seed ${spread.worst[k]!.seed})\n`);
  }
  let cv: CrossValidation | undefined;
  let foldFamilies: string[][] | undefined;
  if (folds !== undefined) {
    const families = result.runs.map((r) => familyOf(r.scenario));
    const plan = foldsOf(new Set(families), folds);
    foldFamilies = plan;
    cv = crossValidate(result.variantScores, families, plan);
    io.stderr.write(foldLines(cv, `${plan.length} folds: ${plan.map((f) => f.join('+')).join(' | ')}`));
  }
  if (opts.json) {
    const out: Record<string, unknown> = { ...result.summary, perScenario: result.perScenario.map(brief) };
    if (spread) {
      out.median = spread.median;
      out.worst = spread.worst;
      out.bySeed = result.bySeed.map((r) => ({ seed: r.seed, ...r.summary }));
    }
    if (cv && foldFamilies) {
      out.cv = {
        folds: foldFamilies,
        grid: FOLD_GRID,
        crossValidated: cv.crossValidated,
        inSample: { chosen: FOLD_GRID[cv.inSample.chosen], withinBudget: cv.inSample.withinBudget, ...cv.inSample.summary },
        byFold: cv.folds.map((f) => ({ heldOut: f.heldOut, chosen: FOLD_GRID[f.chosen], withinBudget: f.withinBudget, train: f.train, test: f.test })),
      };
    }
    io.stdout.write(JSON.stringify(out) + '\n');
  } else {
    io.stdout.write(`recall ${result.summary.recall ?? '-'}, lead median ${num(result.summary.leadMinutes.median)} min, false alarms ${result.summary.falseAlarmsPerServiceDay}/service-day, SLO-breach minutes none ${result.summary.sloBreachMinutes.none} reactive ${result.summary.sloBreachMinutes.reactive} foresight ${result.summary.sloBreachMinutes.foresight}\n`);
    if (cv) io.stdout.write(`cross-validated: recall ${cv.crossValidated.recall ?? '-'}, lead median ${num(cv.crossValidated.leadMinutes.median)} p10 ${num(cv.crossValidated.leadMinutes.p10)} min, false alarms ${cv.crossValidated.falseAlarmsPerServiceDay}/service-day\n`);
  }
  return 0;
}

/** The scenario's call edges, for scoring a caller's breach under its callee's incident. */
function callGraph(scenario: Scenario): CallGraph {
  return Object.fromEntries(scenario.services.map((s) => [s.name, (s.calls ?? []).map((c) => c.service)]));
}

function roundFixable(f: FixableMinutes): FixableMinutes {
  const r = (x: number): number => Number(x.toFixed(2));
  return { sloBreachMinutes: { none: r(f.sloBreachMinutes.none), reactive: r(f.sloBreachMinutes.reactive), foresight: r(f.sloBreachMinutes.foresight) }, capacityBreachMinutes: r(f.capacityBreachMinutes) };
}

function brief(s: ScenarioScore & { seed?: SeedLabel }): Record<string, unknown> {
  return {
    name: s.name, ...(s.seed === undefined ? {} : { seed: s.seed }), services: s.services, falseAlarms: s.falseAlarms, predictedBreaches: s.predictedBreaches,
    sloBreachMinutes: s.sloBreachMinutes, replicaMinutes: s.replicaMinutes, ...(s.fixable ? { fixable: roundFixable(s.fixable) } : {}), seconds: Number(s.seconds.toFixed(2)),
    incidents: s.incidents.map((i) => ({ kind: i.kind, service: i.service, ...(i.via === undefined ? {} : { via: i.via }), predictable: i.predictable, breachAt: i.breachAt, leadMinutes: i.leadMinutes === null ? null : Number(i.leadMinutes.toFixed(2)) })),
  };
}
