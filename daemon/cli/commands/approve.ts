import type { Command } from 'commander';
import { configOption, examples, type CliContext } from '../context.ts';

interface ApproveFlags { by?: string; comment?: string; url?: string; config?: string; json?: boolean }

/** `foresight approve|reject ACTION_ID`: a person's decision on a pending action, through the running daemon's HTTP API. */
export default function register(program: Command, ctx: CliContext): void {
  for (const verb of ['approve', 'reject'] as const) {
    program.command(verb)
      .description(verb === 'approve'
        ? 'carry out a pending action (the running daemon\'s HTTP API, admin token from the config)'
        : 'drop a pending action (the running daemon\'s HTTP API, admin token from the config)')
      .argument('<actionId>', 'the pending action (GET /api/actions/pending lists them)')
      .option('--by <name>', 'who decides (default: your user name)')
      .option('--comment <text>', 'kept on the ActionRecord')
      .option('--url <url>', 'the daemon (default: http.host:http.port from the config)')
      .option('--json', 'print the updated ActionRecord as JSON')
      .addOption(configOption())
      .addHelpText('after', examples([
        [`foresight ${verb} act-3f1c0e9a2b --config foresight.yaml`, `${verb} with the token from the daemon's own config`],
        [`FORESIGHT_HTTP__ADMIN_TOKEN=… foresight ${verb} act-3f1c0e9a2b --url http://10.0.0.5:9464 --by alice`, 'a daemon elsewhere'],
      ]))
      .action(ctx.action(async (id: string, opts: ApproveFlags) => {
        const { approveCli } = await import('../../approve.ts');
        return approveCli(verb, id, { configFile: opts.config, url: opts.url, by: opts.by, comment: opts.comment, json: opts.json === true }, ctx.io);
      }));
  }
}
