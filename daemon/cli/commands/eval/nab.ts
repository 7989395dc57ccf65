import type { Command } from 'commander';
import { examples, type CliContext } from '../../context.ts';

export default function register(group: Command, ctx: CliContext): void {
  group.command('nab')
    .description('run and score the anomaly detector on NAB (data/ + labels/combined_windows.json)')
    .argument('<nab-root>', 'a checkout of the Numenta Anomaly Benchmark')
    .option('--json', 'print one JSON summary on the last line of stdout')
    .option('--out <dir>', 'where NAB-format results go', 'var/nab-results')
    .option('--score-only <results-dir>', 'score existing NAB-format results instead of running the detector')
    .option('--cv <scheme>', 'cross-validate; "category": leave one NAB category out, choosing parameters and threshold on the rest (writes no results)')
    .addHelpText('after', examples([
      ['foresight eval nab ~/NAB --json', 'run and score, JSON on the last line'],
      ['foresight eval nab ~/NAB --score-only ~/NAB/results/numenta', "score another detector's results"],
      ['foresight eval nab ~/NAB --cv category', 'leave-one-category-out score beside the in-sample one'],
    ]))
    .action(ctx.action(async (nabRoot: string, opts: { json?: boolean; out: string; scoreOnly?: string; cv?: string }) => {
      const { runEvalNabCli } = await import('../../../eval/nab.ts');
      return runEvalNabCli({ nabRoot, json: opts.json === true, out: opts.out, scoreOnly: opts.scoreOnly, cv: opts.cv }, ctx.io);
    }));
}
