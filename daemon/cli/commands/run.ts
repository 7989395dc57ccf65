import type { Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, type CliContext } from '../context.ts';
import { exitCodeOf } from '../exit.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('run')
    .description('run the daemon (embedded default without a config); SIGHUP reloads the config, SIGTERM drains and stops')
    .addOption(configOption())
    .addOption(brokersOption())
    .addHelpText('after', examples([
      ['foresight run', 'simulator, dry-run actuators, file stores, status page on 127.0.0.1:9464'],
      ['foresight run -c /etc/foresight/config.yaml', 'the configured source, stores and actuators'],
      ['foresight run -b kafka:9092', 'read logs from Kafka topic foresight-logs'],
    ]))
    .action(ctx.action(async (opts: { config?: string; brokers?: string }) => {
      applyBrokers(opts.brokers);
      try {
        const { runDaemon } = await import('../../run.ts');
        return await runDaemon({ configFile: opts.config });
      } catch (err) {
        // The daemon's stderr is a JSON log stream when it is not a terminal (journald, a
        // collector): a start-up failure is one more JSON line there, not free text.
        const stderr = ctx.io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
        if (stderr.isTTY) throw err;
        const e = err as Error & { code?: string };
        stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, code: typeof e.code === 'string' ? e.code : 'INTERNAL', msg: `foresight run: ${e.message}` })}\n`);
        return exitCodeOf(err);
      }
    }));
}
