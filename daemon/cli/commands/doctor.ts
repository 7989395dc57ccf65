import type { Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, type CliContext } from '../context.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('doctor')
    .description('check TensorFlow, Kafka, Elasticsearch, config and ports (exit 1 when something is not right)')
    .addOption(configOption())
    .addOption(brokersOption())
    .option('--json', 'print the report as one JSON object on the last line of stdout')
    .addHelpText('after', examples([
      ['foresight doctor', 'the embedded default'],
      ['foresight doctor -c /etc/foresight/config.yaml --json', 'what the daemon would use, as JSON'],
    ]))
    .action(ctx.action(async (opts: { config?: string; brokers?: string; json?: boolean }) => {
      applyBrokers(opts.brokers);
      const { doctorCli } = await import('../../doctor.ts');
      return doctorCli({ configFile: opts.config, json: opts.json === true }, ctx.io.stdout);
    }));
}
