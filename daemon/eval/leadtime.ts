/**
 * `foresight eval leadtime [--scenarios DIR] [--json] [--seed S] [--config FILE]`
 *
 *   suite (scenario files) ─► per scenario, same seed:  none │ reactive │ foresight  (arms.ts)
 *                                                        └──── ground truth, detections
 *                          ─► score (score.ts) ─► table on stderr, JSON on stdout's last line
 */
import { loadConfig, type Config } from '../config.ts';
import { simulatorOptionsSchema } from '../../ingest/sources/simulator/index.ts';
import { reactiveConfigSchema, type ReactiveConfig } from '../../remediator/reactive.ts';
import { evalConfig, runForesight, runNone, runReactive } from './arms.ts';
import { scoreScenario, summarise, type LeadtimeSummary, type ScenarioScore } from './score.ts';
import { loadSuite, type SuiteEntry } from './suite.ts';

export interface LeadtimeOptions {
  /** Scenario directory; the built-in suite when unset. */
  scenariosDir?: string;
  /** One seed for every scenario; each scenario's own seed when unset. */
  seed?: number;
  config: Config;
  reactive?: ReactiveConfig;
  progress?: (line: string) => void;
}

export interface LeadtimeResult {
  summary: LeadtimeSummary;
  perScenario: ScenarioScore[];
}

export async function evaluateLeadtime(opts: LeadtimeOptions): Promise<LeadtimeResult> {
  const started = performance.now();
  const suite: SuiteEntry[] = loadSuite(opts.scenariosDir);
  const reactive = opts.reactive ?? reactiveConfigSchema.parse({});
  const warmupMs = simulatorOptionsSchema.parse({}).scaleOutWarmupMs;
  const horizonMs = opts.config.models.horizonMinutes * 60_000;
  const perScenario: ScenarioScore[] = [];
  for (const [k, { scenario }] of suite.entries()) {
    const t0 = performance.now();
    const seed = opts.seed ?? scenario.seed ?? 1;
    const config = evalConfig(opts.config, scenario, warmupMs);
    const none = runNone(scenario, seed);
    const re = await runReactive(scenario, seed, config, reactive);
    const fs = await runForesight(scenario, seed, config);
    const score = scoreScenario({
      name: scenario.name, durationMinutes: scenario.durationMinutes, services: scenario.services.map((s) => s.name), horizonMs,
      truth: { none: none.truth, reactive: re.truth, foresight: fs.truth }, detections: fs.detections, seconds: (performance.now() - t0) / 1000,
    });
    perScenario.push(score);
    for (const i of score.incidents) {
      if (i.predictable !== i.declaredPredictable) opts.progress?.(`  note: ${scenario.name}: ${i.kind} on ${i.service} is declared predictable but breached ${((i.breachAt! - i.start) / 60_000).toFixed(1)} min after it began; scored as not predictable`);
    }
    opts.progress?.(`[${k + 1}/${suite.length}] ${scenario.name} (seed ${seed}): none ${none.seconds.toFixed(1)} s, reactive ${re.seconds.toFixed(1)} s (${re.actions} scalings), foresight ${fs.seconds.toFixed(1)} s (${fs.actions} scalings, ${score.predictedBreaches} predicted breaches)`);
  }
  return { summary: summarise(perScenario, (performance.now() - started) / 1000), perScenario };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const num = (x: number | null, d = 1): string => (x === null ? '-' : x.toFixed(d));

/** The per-scenario table (stderr): lead time and closed-loop columns. */
export function formatTable(rows: readonly ScenarioScore[], s: LeadtimeSummary): string {
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
  out.push(`recall ${s.recall ?? '-'} (${s.detected}/${s.predictable}), false alarms ${s.falseAlarms} over ${s.serviceDays} service-days = ${s.falseAlarmsPerServiceDay} per service-day`);
  return out.join('\n') + '\n';
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface LeadtimeCliOptions {
  scenarios?: string;
  seed?: number;
  config?: string;
  json: boolean;
}

/** `foresight eval leadtime` (options parsed in daemon/cli/commands/eval/leadtime.ts). */
export async function runEvalLeadtimeCli(opts: LeadtimeCliOptions, io: Io): Promise<number> {
  const { config } = loadConfig(opts.config);
  const result = await evaluateLeadtime({
    scenariosDir: opts.scenarios,
    seed: opts.seed,
    config,
    progress: (l) => io.stderr.write(l + '\n'),
  });
  io.stderr.write(formatTable(result.perScenario, result.summary));
  if (opts.json) io.stdout.write(JSON.stringify({ ...result.summary, perScenario: result.perScenario.map(brief) }) + '\n');
  else io.stdout.write(`recall ${result.summary.recall ?? '-'}, lead median ${num(result.summary.leadMinutes.median)} min, false alarms ${result.summary.falseAlarmsPerServiceDay}/service-day, SLO-breach minutes none ${result.summary.sloBreachMinutes.none} reactive ${result.summary.sloBreachMinutes.reactive} foresight ${result.summary.sloBreachMinutes.foresight}\n`);
  return 0;
}

function brief(s: ScenarioScore): Record<string, unknown> {
  return {
    name: s.name, services: s.services, falseAlarms: s.falseAlarms, predictedBreaches: s.predictedBreaches,
    sloBreachMinutes: s.sloBreachMinutes, replicaMinutes: s.replicaMinutes, seconds: Number(s.seconds.toFixed(2)),
    incidents: s.incidents.map((i) => ({ kind: i.kind, service: i.service, predictable: i.predictable, breachAt: i.breachAt, leadMinutes: i.leadMinutes === null ? null : Number(i.leadMinutes.toFixed(2)) })),
  };
}
