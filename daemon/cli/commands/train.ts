import type { Command } from 'commander';
import { configOption, examples, int, positiveInt, type CliContext } from '../context.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('train')
    .description('fit the TF.js forecaster on NDJSON history, version it in the model store')
    .argument('<path>', 'an NDJSON file (plain or .gz) or a directory of them')
    .option('--out <dir>', 'model store directory (default: models.store.dir from the config)')
    .option('--epochs <n>', 'training epochs', positiveInt)
    .option('--seed <s>', 'random seed', int)
    .addOption(configOption())
    .option('--json', 'print one JSON summary on the last line of stdout')
    .addHelpText('after', examples([
      ['foresight train var/history/ --out var/models', 'train on a directory of NDJSON logs'],
      ['foresight train logs.ndjson.gz --epochs 20 --json', 'quick fit, machine-readable result'],
    ]))
    .action(ctx.action(async (path: string, opts: { out?: string; epochs?: number; seed?: number; config?: string; json?: boolean }) => {
      const { runTrainCli } = await import('../../train.ts');
      return runTrainCli({ path, ...opts, json: opts.json === true }, ctx.io);
    }));
}
