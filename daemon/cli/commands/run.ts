import type { Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, type CliContext } from '../context.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('run')
    .description('run the daemon (embedded default without a config)')
    .addOption(configOption())
    .addOption(brokersOption())
    .addHelpText('after', examples([
      ['foresight run', 'simulator, dry-run actuators, file stores, status page on 127.0.0.1:9464'],
      ['foresight run -c /etc/foresight/config.yaml', 'the configured source, stores and actuators'],
      ['foresight run -b kafka:9092', 'read logs from Kafka topic foresight-logs'],
    ]))
    .action(ctx.action(async (opts: { config?: string; brokers?: string }) => {
      applyBrokers(opts.brokers);
      const { runDaemon } = await import('../../run.ts');
      return runDaemon({ configFile: opts.config });
    }));
}
