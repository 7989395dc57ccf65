import { Option, type Command } from 'commander';
import { configOption, examples, type CliContext } from '../context.ts';

interface StoreFlags { dir?: string; name?: string; config?: string; json?: boolean }

function storeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dir <dir>', 'model store directory (default: models.tfjs.modelDir from the config)'))
    .addOption(new Option('--name <name>', 'model name (default: models.tfjs.modelName)'))
    .addOption(configOption())
    .option('--json', 'print one JSON object on the last line of stdout');
}

export default function register(program: Command, ctx: CliContext): void {
  const group = program.command('models')
    .description('list the model store, promote a version or roll back (CURRENT is what daemons load)');
  storeOptions(group.command('list'))
    .description('versions with their validation, the current one marked *, and the promotion history')
    .addHelpText('after', examples([['foresight models list', 'the configured store'], ['foresight models list --dir var/models --json', 'another store, as JSON']]))
    .action(ctx.action(async (opts: StoreFlags) => {
      const { modelsList } = await import('../../models.ts');
      return modelsList({ ...opts, json: opts.json === true }, ctx.io);
    }));
  storeOptions(group.command('promote'))
    .description('make a saved version current (running daemons put it on trial at their next poll)')
    .argument('<version>', 'a version from foresight models list')
    .option('--reason <text>', 'recorded in the store history')
    .addHelpText('after', examples([['foresight models promote 20260101T000000Z-0123abcd --reason "retrained on March"', 'promote a candidate']]))
    .action(ctx.action(async (version: string, opts: StoreFlags & { reason?: string }) => {
      const { modelsPromote } = await import('../../models.ts');
      return modelsPromote(version, opts.reason, { ...opts, json: opts.json === true }, ctx.io);
    }));
  storeOptions(group.command('rollback'))
    .description('make the previous current version (or the one named) current again, recording why')
    .argument('[version]', 'the version to go back to (default: the one current before)')
    .option('--reason <text>', 'recorded in the store history')
    .addHelpText('after', examples([['foresight models rollback --reason "p95 forecasts too low since 10:00"', 'back to the version before']]))
    .action(ctx.action(async (version: string | undefined, opts: StoreFlags & { reason?: string }) => {
      const { modelsRollback } = await import('../../models.ts');
      return modelsRollback(version, opts.reason, { ...opts, json: opts.json === true }, ctx.io);
    }));
}
