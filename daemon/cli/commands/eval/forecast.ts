import { InvalidArgumentError, type Command } from 'commander';
import { configOption, examples, int, positiveInt, type CliContext } from '../../context.ts';

function fraction(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number in (0, 1)');
  return n;
}

interface ForecastFlags { scenarios?: string; logs?: string; model?: string; config?: string; epochs?: number; seed?: number; trainFraction?: number; folds?: number; trainScenarios?: string; json?: boolean }

export default function register(group: Command, ctx: CliContext): void {
  group.command('forecast')
    .description('MASE at 5/15/30 min and p10-p90 coverage of every forecaster')
    .option('--scenarios <dir>', 'scenario files (default: the built-in suite)')
    .option('--logs <file>', 'NDJSON logs instead of scenarios')
    .option('--model <dir>', 'score this saved TF.js model instead of training one')
    .option('--epochs <n>', 'training epochs for the TF.js model', positiveInt)
    .option('--seed <s>', 'random seed', int)
    .option('--train-fraction <f>', 'part of each series used for training, in (0, 1)', fraction)
    .option('--folds <k>', 'also cross-validate: leave one scenario family out (k = 2..5), as eval leadtime --folds', int)
    .option('--train-scenarios <dir>', "train the model on these scenarios ('suite': the built-in suite), score --scenarios/--logs")
    .addOption(configOption())
    .option('--json', 'print one JSON object on the last line of stdout (the table goes to stderr)')
    .addHelpText('after', examples([
      ['foresight eval forecast', 'the built-in scenarios'],
      ['foresight eval forecast --logs logs.ndjson --json', 'your own history'],
      ['foresight eval forecast --folds 5 --json', 'in sample and cross-validated by scenario family'],
      ['foresight eval forecast --scenarios bench/scenarios-holdout --train-scenarios suite', 'held-out scenarios, model trained on the suite'],
    ]))
    .action(ctx.action(async (opts: ForecastFlags) => {
      const { runEvalForecastCli } = await import('../../../eval/forecast.ts');
      return runEvalForecastCli({ ...opts, json: opts.json === true }, ctx.io);
    }));
}
