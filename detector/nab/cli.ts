/** `foresight eval nab NAB_ROOT [--json] [--out DIR] [--score-only RESULTS_DIR]` */
import { evalNab, scoreOnly } from './run.ts';
import type { NabSummary } from './run.ts';
import { PROFILE_NAMES } from './profiles.ts';

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

export interface NabCliOptions {
  nabRoot: string;
  json: boolean;
  out?: string;
  scoreOnly?: string;
}

/** `foresight eval nab NAB_ROOT` (options parsed in daemon/cli/commands/eval/nab.ts). */
export async function runEvalNabCli(opts: NabCliOptions, io: CliIo): Promise<number> {
  const nabRoot = opts.nabRoot;
  const progress = (msg: string): void => { io.stderr.write(`${msg}\n`); };
  const scoreDir = opts.scoreOnly;
  const summary = scoreDir !== undefined
    ? scoreOnly(scoreDir, nabRoot, progress)
    : evalNab(nabRoot, { outDir: opts.out ?? DEFAULT_OUT, progress });
  if (scoreDir === undefined) progress(`results written to ${opts.out ?? DEFAULT_OUT}/${summary.detector}`);
  if (opts.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(table(summary));
  return 0;
}
