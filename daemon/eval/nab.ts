/**
 * `foresight eval nab NAB_ROOT [--json] [--out DIR] [--score-only RESULTS_DIR] [--cv category]`:
 * the command around detector/nab (which does no I/O on stdout/stderr of its own).
 */
import { ForesightError } from '../../core/errors.ts';
import { evalNab, scoreOnly } from '../../detector/nab/run.ts';
import type { NabProgress, NabSummary } from '../../detector/nab/run.ts';
import { PROFILE_NAMES, type NabProfile } from '../../detector/nab/profiles.ts';
import { crossValidateNab, type NabCvSummary } from '../../detector/nab/cv.ts';
import { progressPhases } from '../progress.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** NAB-format results go here unless --out says otherwise (var/ is never committed). */
const DEFAULT_OUT = 'var/nab-results';

/** Published full-corpus standard scores (NAB scoreboard), for context in the table. */
const LEADERBOARD_NOTE = 'leaderboard (full corpus, standard): ARTime 74.9, HTM 70.1, CAD OSE 69.9; DEV split: ARTime 75.38, HTM 71.36';

function table(s: NabSummary): string {
  const lines = [`NAB ${s.detector}: ${s.files} files, ${s.points} points, ${s.seconds.toFixed(2)} s`];
  lines.push('profile              threshold      raw      normalised');
  for (const p of PROFILE_NAMES) {
    lines.push(`${p.padEnd(20)} ${s.thresholds[p].toFixed(6).padStart(10)} ${s.raw[p].toFixed(3).padStart(9)} ${s[p].toFixed(2).padStart(12)}`);
  }
  lines.push(LEADERBOARD_NOTE);
  return `${lines.join('\n')}\n`;
}

function cvTable(s: NabCvSummary): string {
  const row = (name: string, r: Record<NabProfile, number>): string => `${name.padEnd(56)} ${PROFILE_NAMES.map((p) => r[p].toFixed(2).padStart(9)).join(' ')}`;
  const lines = [`NAB leave-one-category-out: ${s.files} files, ${s.windows} windows, ${s.grid.length} grid points, ${s.seconds.toFixed(1)} s`];
  lines.push(`${''.padEnd(56)} ${['standard', 'low FP', 'low FN'].map((p) => p.padStart(9)).join(' ')}`);
  lines.push(row('in-sample, defaults', s.defaults));
  lines.push(row(`in-sample, best ${JSON.stringify(s.inSample.chosen)}`, s.inSample));
  lines.push(row('cross-validated (held-out pooled)', s.crossValidated));
  for (const f of s.folds) {
    lines.push(`  ${f.category} (${f.files} files, ${f.windows} windows): chose ${JSON.stringify(f.chosen)}, train standard ${f.trainStandard.toFixed(2)}, held-out standard ${f.normalized ? f.normalized.standard.toFixed(2) : '- (no windows)'}, raw ${f.raw.standard.toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface NabCliOptions {
  nabRoot: string;
  json: boolean;
  out?: string;
  scoreOnly?: string;
  /** `category`: leave one NAB category out (cv.ts). */
  cv?: string;
}

/** Each phase of a NAB run as its progress names and counts it. */
const PHASES: Record<Parameters<NabProgress>[0], { task: string; unit: string }> = {
  detecting: { task: 'detecting', unit: 'series' },
  reading: { task: 'reading results', unit: 'files' },
  scoring: { task: 'scoring', unit: 'profiles' },
  folds: { task: 'cross-validating', unit: 'folds' },
};

/** `foresight eval nab NAB_ROOT` (options parsed in daemon/cli/commands/eval/nab.ts). */
export async function runEvalNabCli(opts: NabCliOptions, io: CliIo): Promise<number> {
  const nabRoot = opts.nabRoot;
  if (opts.cv !== undefined) {
    if (opts.cv !== 'category') throw new ForesightError('USAGE', `--cv takes "category" (leave one NAB category out), got ${opts.cv}`);
    if (opts.scoreOnly !== undefined) throw new ForesightError('USAGE', '--cv runs the detector itself: it does not take --score-only');
  }
  const scoreDir = opts.scoreOnly;
  // The detector and the scoring run synchronously: their loops switch phases and tick.
  const phases = await progressPhases(io.stderr, opts.cv !== undefined ? 'eval nab --cv' : 'eval nab', (msg) => io.stderr.write(`${msg}\n`));
  let phase: string | undefined;
  const onProgress: NabProgress = (p, done, total) => {
    if (p !== phase) { phase = p; phases.next(PHASES[p].task, PHASES[p].unit, total); }
    phases.step(done);
  };
  try {
    if (opts.cv !== undefined) {
      const s = crossValidateNab(nabRoot, phases.log, undefined, onProgress);
      phases.end();
      if (opts.json) io.stdout.write(`${JSON.stringify(s)}\n`);
      else io.stdout.write(cvTable(s));
      return 0;
    }
    const summary = scoreDir !== undefined
      ? scoreOnly(scoreDir, nabRoot, phases.log, onProgress)
      : evalNab(nabRoot, { outDir: opts.out ?? DEFAULT_OUT, progress: phases.log, onProgress });
    phases.end();
    if (scoreDir === undefined) phases.log(`results written to ${opts.out ?? DEFAULT_OUT}/${summary.detector}`);
    if (opts.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else io.stdout.write(table(summary));
    return 0;
  } finally {
    phases.end();
  }
}
