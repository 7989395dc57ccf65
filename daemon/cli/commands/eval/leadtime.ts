import type { Command } from 'commander';
import { configOption, examples, int, type CliContext } from '../../context.ts';

export default function register(group: Command, ctx: CliContext): void {
  group.command('leadtime')
    .description('breach prediction and closed loop vs none and reactive, on simulated incidents')
    .option('--scenarios <dir>', 'scenario files (default: the built-in suite)')
    .option('--seed <s>', 'random seed', int)
    .option('--seeds <n|list>', 'several seeds in one run: N (the own seeds, then 101, 202, ...) or a list such as own,7,42; reports the median and the worst seed')
    .option('--folds <k>', 'cross-validate: leave one scenario family out (k = 2..5), tuning the breach parameters on the rest', int)
    .addOption(configOption())
    .option('--json', 'print one JSON summary on the last line of stdout')
    .addHelpText('after', examples([
      ['foresight eval leadtime', 'the built-in suite; table on stderr, summary on stdout'],
      ['foresight eval leadtime --scenarios my-incidents/ --json', 'your own scenarios, JSON on the last line'],
      ['foresight eval leadtime --seeds 3 --folds 5 --json', 'three seeds, leave-one-family-out cross-validation'],
    ]))
    .action(ctx.action(async (opts: { scenarios?: string; seed?: number; seeds?: string; folds?: number; config?: string; json?: boolean }) => {
      const { runEvalLeadtimeCli } = await import('../../../eval/leadtime.ts');
      return runEvalLeadtimeCli({ ...opts, json: opts.json === true }, ctx.io);
    }));
}
