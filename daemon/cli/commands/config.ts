import type { Command } from 'commander';
import { applyBrokers, brokersOption, configOption, examples, type CliContext } from '../context.ts';

export default function register(program: Command, ctx: CliContext): void {
  program.command('config')
    .description('print the effective configuration (secrets redacted)')
    .addOption(configOption())
    .addOption(brokersOption())
    .addHelpText('after', examples([
      ['foresight config', 'the embedded default with environment overrides applied'],
      ['FORESIGHT_REMEDIATOR__MODE=live foresight config -c prod.yaml', 'check an override'],
    ]))
    .action(ctx.action(async (opts: { config?: string; brokers?: string }) => {
      applyBrokers(opts.brokers);
      const { loadConfig, redactConfig } = await import('../../config.ts');
      const { config, file, hash } = loadConfig(opts.config);
      ctx.io.stdout.write(JSON.stringify({ file: file ?? null, hash, config: redactConfig(config) }, null, 2) + '\n');
      return 0;
    }));
}
