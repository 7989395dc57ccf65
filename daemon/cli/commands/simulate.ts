import type { Command } from 'commander';
import { examples, int, positiveInt, type CliContext } from '../context.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('simulate')
    .description('write simulated NDJSON logs to stdout')
    .requiredOption('--scenario <name|file>', 'a built-in scenario (demo, steady, memory-leak, ...) or a scenario file')
    .option('--minutes <n>', 'simulated minutes', positiveInt, 120)
    .option('--seed <s>', "random seed (default: the scenario's own)", int)
    .addHelpText('after', examples([
      ['foresight simulate --scenario memory-leak --minutes 240 --seed 7 > logs.ndjson', 'four hours of a leaking service'],
      ['foresight simulate --scenario my-incident.yaml | gzip > logs.ndjson.gz', 'a scenario file of your own'],
    ]))
    .action(ctx.action(async (opts: { scenario: string; minutes: number; seed?: number }) => {
      const { simulateToStream } = await import('../../../ingest/sources/simulator/index.ts');
      const r = await simulateToStream(opts.scenario, { minutes: opts.minutes, seed: opts.seed }, ctx.io.stdout);
      ctx.io.stderr.write(`simulated ${opts.minutes} minutes: ${r.lines} lines\n`);
      return 0;
    }));
}
