import type { Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, positiveInt, type CliContext } from '../context.ts';

interface ProduceFlags { topic: string; partitions?: number; json?: boolean; config?: string; brokers?: string }

export default function register(program: Command, ctx: CliContext): void {
  program.command('produce')
    .description('load NDJSON logs (plain or .gz) into Kafka, keyed by service')
    .argument('<file>', 'NDJSON file, plain or .gz')
    .requiredOption('--topic <t>', 'Kafka topic (created when missing)')
    .option('--partitions <n>', 'partitions when the topic is created', positiveInt)
    .option('--json', 'print one JSON summary on the last line of stdout')
    .addOption(brokersOption())
    .addOption(configOption())
    .addHelpText('after', examples([
      ['foresight produce -b localhost:9092 --topic app-logs logs.ndjson.gz', 'load a file into Kafka'],
      ['KAFKA_BROKERS=kafka:9092 foresight produce --topic app-logs --partitions 6 logs.ndjson', 'brokers from the environment'],
    ]))
    .action(ctx.action(async (file: string, opts: ProduceFlags) => {
      applyBrokers(opts.brokers);
      const { produceCli } = await import('../../produce.ts');
      return produceCli({ file, topic: opts.topic, partitions: opts.partitions, configFile: opts.config, json: opts.json === true }, ctx.io);
    }));
}
