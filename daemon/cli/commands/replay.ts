import { InvalidArgumentError, type Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, type CliContext } from '../context.ts';

function speed(v: string): number | 'max' {
  if (v === 'max') return 'max';
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected "max" or a positive number');
  return n;
}

interface ReplayFlags { speed: number | 'max'; report?: string; live?: boolean; config?: string; brokers?: string }

export default function register(program: Command, ctx: CliContext): void {
  program.command('replay')
    .description('run the pipeline over NDJSON logs (plain or .gz)')
    .argument('<path>', 'NDJSON file (plain or .gz), - for stdin, or kafka://TOPIC[?from=ISO&to=ISO]')
    .option('--speed <max|N>', 'event-time speed: max, or N times real time', speed, 'max')
    .option('--report <file>', 'write the full report (detections, actions, dead letters) as JSON')
    .option('--live', 'call the configured actuators instead of dry-run (records still go to the replay store)')
    .addOption(configOption())
    .addOption(brokersOption())
    .addHelpText('after', examples([
      ['foresight replay logs.ndjson.gz --report report.json', 'what the daemon would have done'],
      ['foresight simulate --scenario memory-leak | foresight replay -', 'replay from stdin'],
      ['foresight replay "kafka://app-logs?from=2026-01-01T10:00:00Z&to=2026-01-01T12:00:00Z" -b kafka:9092', 'an incident window from Kafka'],
    ]))
    .action(ctx.action(async (path: string, opts: ReplayFlags) => {
      applyBrokers(opts.brokers);
      const { replay } = await import('../../replay.ts');
      return replay({ path, configFile: opts.config, speed: opts.speed, reportFile: opts.report, live: opts.live === true }, ctx.io);
    }));
}
