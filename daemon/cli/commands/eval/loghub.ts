import type { Command } from 'commander';
import { examples, type CliContext } from '../../context.ts';

export default function register(group: Command, ctx: CliContext): void {
  group.command('loghub')
    .description('template grouping and parsing accuracy and lines/s on LogHub sets, Drain3 beside ours when installed')
    .argument('<dir>', 'one folder per set in LogHub\'s layout (<Set>/<Set>_2k.log_structured.csv)')
    .option('--json', 'print one JSON object on the last line of stdout')
    .addHelpText('after', examples([
      ['foresight eval loghub ../shared/data/loghub', 'per-set table on stderr (install Drain3 with node scripts/ensure-drain3.mjs)'],
      ['foresight eval loghub data/loghub --json', 'the same, JSON on the last line'],
    ]))
    .action(ctx.action(async (dir: string, opts: { json?: boolean }) => {
      const { runEvalLoghubCli } = await import('../../../eval/loghub.ts');
      return runEvalLoghubCli({ dir, json: opts.json === true }, ctx.io);
    }));
}
