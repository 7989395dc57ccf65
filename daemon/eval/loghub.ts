/**
 * `foresight eval loghub DIR [--json]`
 *
 *   DIR/<Set>/<Set>_2k.log_structured.csv ─► our miner ──────────────┐
 *                                          └► Drain3 (when installed:  ├► grouping / parsing accuracy,
 *                                             its defaults and LogHub's│  lines/s, per set
 *                                             per-set configuration)  ─┘  ─► table on stderr, JSON last line
 *
 * Both are reported at their best per set: Drain3 with its defaults or LogHub's per-set
 * configuration; ours with its own default or the same two presets.
 */
import { ForesightError } from '../../core/errors.ts';
import { templatesSchema, type TemplatesConfig } from '../../ingest/config.ts';
import { DrainMiner } from '../../ingest/templates/drain.ts';
import { loadLoghubSets, runMiner, scoreParse, type LoghubSet, type ParseScores } from '../../ingest/templates/loghub.ts';
import { DRAIN3_PARAMS, LOGHUB_PARAMS } from '../../ingest/templates/presets.ts';
import { evaluateLabels, type LabelScores } from './loghub-labels.ts';
import { drain3Available, drain3Defaults, drain3LogHub, runDrain3, type Drain3Job } from './drain3.ts';
import { withPhases, type Phases } from '../progress.ts';

export interface SetScores {
  groupingAccuracy: number;
  parsingAccuracy: number | null;
  linesPerSec: number;
}

export interface Drain3Scores extends SetScores {
  /** Which configuration scored best on this set. */
  config: 'default' | 'loghub';
  byConfig: Partial<Record<'default' | 'loghub', SetScores>>;
}

export interface OursScores extends SetScores {
  /** Which configuration scored best: our own, or ours with Drain3's or LogHub's preset. */
  config: 'foresight' | 'drain3' | 'loghub';
  byConfig: Partial<Record<'foresight' | 'drain3' | 'loghub', SetScores>>;
}

export interface LoghubSetResult extends OursScores {
  lines: number;
  templates: number;
  truthTemplates: number;
  drain3?: Drain3Scores;
}

export interface LoghubEvalResult {
  sets: Record<string, LoghubSetResult>;
  linesPerSec: number;
  drain3?: { version: string; linesPerSec: number };
  /** log_pattern detections vs alert labels, for sets that have them (BGL). */
  labels?: Record<string, LabelScores>;
  /** Why Drain3's columns are missing, when they are. */
  drain3Note?: string;
  config: TemplatesConfig;
}

export interface LoghubEvalOptions {
  dir: string;
  /** Miner configuration; the defaults when unset. */
  templates?: TemplatesConfig;
  /** Also run ours with Drain3's and LogHub's presets (default true). */
  presets?: boolean;
  /** Run Drain3 beside ours when its venv is there (default true). */
  drain3?: boolean;
  progress?: (line: string) => void;
  /** Where progress goes (a bar on a terminal, JSON lines otherwise); none without. */
  progressStream?: NodeJS.WritableStream;
}

const scores = (s: ParseScores): SetScores => ({
  groupingAccuracy: round(s.groupingAccuracy),
  parsingAccuracy: s.parsingAccuracy === undefined ? null : round(s.parsingAccuracy),
  linesPerSec: Math.round(s.linesPerSec),
});
const round = (x: number): number => Number(x.toFixed(4));

function runMinerIds(set: LoghubSet, cfg: TemplatesConfig): string[] {
  const m = new DrainMiner(cfg);
  return set.contents.map((c) => m.add(c).id).map((id) => m.resolve(id) ?? id);
}

export async function evaluateLoghub(opts: LoghubEvalOptions): Promise<LoghubEvalResult> {
  return withPhases(opts.progressStream, 'eval loghub', opts.progress, (phases) => evaluateLoghubIn(opts, phases));
}

async function evaluateLoghubIn(opts: LoghubEvalOptions, phases: Phases): Promise<LoghubEvalResult> {
  const say = phases.log;
  let sets: LoghubSet[];
  try {
    sets = await loadLoghubSets(opts.dir);
  } catch (err) {
    throw new ForesightError('INPUT_INVALID', `cannot read LogHub sets in ${opts.dir}: ${(err as Error).message}`, { cause: err });
  }
  if (sets.length === 0) throw new ForesightError('INPUT_INVALID', `no *_structured.csv under ${opts.dir}`);
  const cfg = opts.templates ?? templatesSchema.parse({});
  const out: LoghubEvalResult = { sets: {}, linesPerSec: 0, config: cfg };
  let lines = 0;
  let seconds = 0;
  // Our miner runs synchronously, set after set: each set ticks the progress.
  phases.next('ours', 'sets', sets.length);
  for (const set of sets) {
    // Ours with its own configuration (whose speed is the headline), then with the same
    // presets Drain3 gets: its defaults, and LogHub's for the set.
    const byConfig: OursScores['byConfig'] = {};
    const own = runMiner(set, new DrainMiner(cfg));
    lines += set.contents.length;
    seconds += set.contents.length / own.linesPerSec;
    byConfig.foresight = scores(own);
    if (opts.presets !== false) {
      byConfig.drain3 = scores(runMiner(set, new DrainMiner(templatesSchema.parse({ ...DRAIN3_PARAMS, masking: 'drain3', merge: false }))));
      const lh = LOGHUB_PARAMS[set.name];
      if (lh) byConfig.loghub = scores(runMiner(set, new DrainMiner(templatesSchema.parse({ ...lh, masking: `loghub-${set.name}`, merge: false }))));
    }
    let best: OursScores['config'] = 'foresight';
    for (const k of ['drain3', 'loghub'] as const) if ((byConfig[k]?.groupingAccuracy ?? -1) > byConfig[best]!.groupingAccuracy) best = k;
    out.sets[set.name] = { ...byConfig[best]!, config: best, byConfig, lines: set.contents.length, templates: new Set(runMinerIds(set, cfg)).size, truthTemplates: new Set(set.eventIds).size };
    say(`${set.name}: ours ${byConfig[best]!.groupingAccuracy.toFixed(3)} (${best})`);
    phases.step(Object.keys(out.sets).length);
  }
  out.linesPerSec = Math.round(lines / seconds);
  for (const set of sets) {
    const l = evaluateLabels(set);
    if (l) (out.labels ??= {})[set.name] = l;
  }

  if (opts.drain3 === false) out.drain3Note = 'Drain3 not run (disabled)';
  else if (!drain3Available()) out.drain3Note = 'Drain3 not installed: run `node scripts/ensure-drain3.mjs` to measure it beside ours';
  else {
    const jobs: Drain3Job[] = [];
    for (const set of sets) {
      jobs.push({ name: `${set.name}\u0000default`, lines: set.contents, config: drain3Defaults() });
      const lh = drain3LogHub(set.name);
      if (lh) jobs.push({ name: `${set.name}\u0000loghub`, lines: set.contents, config: lh });
    }
    // One Python process for every run: the count moves at its end, the timer's lines say it is alive.
    phases.next('drain3', 'runs', jobs.length);
    const d3 = await runDrain3(jobs);
    phases.step(d3.runs.length);
    let dLines = 0;
    let dSeconds = 0;
    for (const set of sets) {
      const byConfig: Drain3Scores['byConfig'] = {};
      let best: { config: 'default' | 'loghub'; s: SetScores; seconds: number } | undefined;
      for (const run of d3.runs.filter((x) => x.name.startsWith(`${set.name}\u0000`))) {
        const config = run.name.split('\u0000')[1] as 'default' | 'loghub';
        const s = scores(scoreParse(set, run.clusterIds.map(String), new Map(Object.entries(run.templates)), run.seconds));
        byConfig[config] = s;
        if (!best || s.groupingAccuracy > best.s.groupingAccuracy) best = { config, s, seconds: run.seconds };
      }
      if (!best) continue;
      dLines += set.contents.length;
      dSeconds += best.seconds;
      const ours = out.sets[set.name];
      if (ours) ours.drain3 = { ...best.s, config: best.config, byConfig };
    }
    out.drain3 = { version: d3.version, linesPerSec: Math.round(dLines / dSeconds) };
  }
  return out;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(3));

export function formatLoghubTable(r: LoghubEvalResult): string {
  const head = ['set', 'lines', 'truth', 'ours tpl', 'grouping', 'parsing', 'lines/s', 'config', 'drain3 grouping', 'parsing', 'lines/s', 'config'];
  const widths = [10, 6, 6, 9, 9, 8, 9, 10, 16, 8, 9, 8];
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' ');
  const rows = [line(head)];
  const names = Object.keys(r.sets);
  for (const name of names) {
    const s = r.sets[name]!;
    rows.push(line([name, String(s.lines), String(s.truthTemplates), String(s.templates), f3(s.groupingAccuracy), f3(s.parsingAccuracy), String(s.linesPerSec), s.config,
      f3(s.drain3?.groupingAccuracy), f3(s.drain3?.parsingAccuracy), s.drain3 ? String(s.drain3.linesPerSec) : '-', s.drain3?.config ?? '-']));
  }
  const mean = (f: (s: LoghubSetResult) => number | null | undefined): number | null => {
    const xs = names.map((n) => f(r.sets[n]!)).filter((x): x is number => typeof x === 'number');
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  rows.push(line(['mean', '', '', '', f3(mean((s) => s.groupingAccuracy)), f3(mean((s) => s.parsingAccuracy)), String(r.linesPerSec), '',
    f3(mean((s) => s.drain3?.groupingAccuracy)), f3(mean((s) => s.drain3?.parsingAccuracy)), r.drain3 ? String(r.drain3.linesPerSec) : '-', '']));
  rows.push(`ours: best of our default (foresight) and our miner with Drain3's and LogHub's presets; the mean lines/s is our default's`);
  if (r.drain3) rows.push(`Drain3 ${r.drain3.version}: best of its defaults and LogHub's per-set configuration; lines/s on 2k lines include start-up (bench/templates-loghub.ts measures throughput)`);
  if (r.drain3Note) rows.push(r.drain3Note);
  for (const [name, l] of Object.entries(r.labels ?? {})) {
    const f = (x: { precision: number | null; recall: number; detections: number }): string => `precision ${f3(x.precision)} recall ${f3(x.recall)} (${x.detections} detections)`;
    rows.push(`${name} alert labels (${l.alertLines} lines, ${l.windowMs / 60_000}-min windows): log_pattern ${f(l.logPattern)}; new-error-template baseline ${f(l.baseline)}`);
  }
  return rows.join('\n') + '\n';
}

/** The `--json` object: the issue's shape, plus each set's line and template counts. */
export function loghubJson(r: LoghubEvalResult): Record<string, unknown> {
  return {
    sets: Object.fromEntries(Object.entries(r.sets).map(([name, s]) => [name, {
      groupingAccuracy: s.groupingAccuracy, parsingAccuracy: s.parsingAccuracy, linesPerSec: s.linesPerSec,
      config: s.config, byConfig: s.byConfig, lines: s.lines, templates: s.templates, truthTemplates: s.truthTemplates,
      ...(s.drain3 ? { drain3: s.drain3 } : {}),
    }])),
    linesPerSec: r.linesPerSec,
    ...(r.labels ? { labels: r.labels } : {}),
    ...(r.drain3 ? { drain3: r.drain3 } : { drain3Note: r.drain3Note }),
  };
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function runEvalLoghubCli(opts: { dir: string; json: boolean }, io: Io): Promise<number> {
  const r = await evaluateLoghub({ dir: opts.dir, progress: (l) => io.stderr.write(l + '\n'), progressStream: io.stderr });
  io.stderr.write(formatLoghubTable(r));
  if (opts.json) io.stdout.write(JSON.stringify(loghubJson(r)) + '\n');
  else {
    const sets = Object.values(r.sets);
    const mean = sets.reduce((a, s) => a + s.groupingAccuracy, 0) / sets.length;
    io.stdout.write(`mean grouping accuracy ${mean.toFixed(3)} over ${sets.length} sets, ${r.linesPerSec} lines/s${r.drain3 ? `; Drain3 ${r.drain3.linesPerSec} lines/s` : ''}\n`);
  }
  return 0;
}
