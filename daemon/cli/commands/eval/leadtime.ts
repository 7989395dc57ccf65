import type { Command } from 'commander';
import { configOption, examples, int, type CliContext } from '../../context.ts';

export default function register(group: Command, ctx: CliContext): void {
  group.command('leadtime')
    .description('breach prediction and closed loop vs none and reactive, on simulated incidents')
    .option('--scenarios <dir>', 'scenario files (default: the built-in suite)')
    .option('--seed <s>', 'random seed', int)
    .addOption(configOption())
    .option('--json', 'print one JSON summary on the last line of stdout')
    .addHelpText('after', examples([
      ['foresight eval leadtime', 'the built-in suite; table on stderr, summary on stdout'],
      ['foresight eval leadtime --scenarios my-incidents/ --json', 'your own scenarios, JSON on the last line'],
    ]))
    .action(ctx.action(async (opts: { scenarios?: string; seed?: number; config?: string; json?: boolean }) => {
      const { runEvalLeadtimeCli } = await import('../../../eval/leadtime.ts');
      return runEvalLeadtimeCli({ ...opts, json: opts.json === true }, ctx.io);
    }));
}
