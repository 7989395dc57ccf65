import { Command, CommanderError } from 'commander';
import { ForesightError } from '../../core/errors.ts';
import { exitCodeOf } from './exit.ts';
import { VERSION } from '../version.ts';
import { EXIT, type CliContext, type CliIo } from './context.ts';
import { COMMANDS } from './commands/index.ts';

export { exitCodeOf };

/**
 * The `foresight` command line, on commander: per-command --help with examples,
 * --version, did-you-mean suggestions, and one exit-code rule for every command:
 *
 *   0  done
 *   1  the work failed (a store, broker or actuator error, a failed check, a bug)
 *   2  the command cannot run as given: unknown command or option, bad value, or a
 *      config, scenario or input named on the command line that is missing or invalid
 *
 * Each command group registers itself from its own file in ./commands (how to add one:
 * ./commands/index.ts); this file only wires them and maps errors to exit codes.
 */

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('foresight')
    .description('Predictive AIOps daemon: structured logs in, SLO-breach predictions and guarded remediation out')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .configureOutput({
      writeOut: (s) => { ctx.io.stdout.write(s); },
      writeErr: (s) => { ctx.io.stderr.write(s); },
      outputError: (s, write) => write(`foresight: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride()
    .addHelpText('after', `
Exit codes: 0 done, 1 the work failed, 2 the command cannot run as given (usage, config or input).
Environment: KAFKA_BROKERS, ELASTICSEARCH_URL, FORESIGHT_CONFIG, FORESIGHT_<SECTION>__<KEY> (see README).
Run 'foresight <command> --help' for a command's options and examples.
`);
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/** CLI entry: returns the exit code; errors become one clear line on stderr. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let code: number = EXIT.OK;
  const ctx: CliContext = {
    io,
    action: (fn) => async (...args) => { code = await fn(...args); },
  };
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // commander has already printed its own message (usage errors, --help, --version).
    if (err instanceof CommanderError) return exitCodeOf(err);
    if (err instanceof ForesightError) {
      io.stderr.write(`foresight: ${err.message}\n`);
      if (err.code === 'USAGE') io.stderr.write(`(add --help for usage and examples)\n`);
      return exitCodeOf(err);
    }
    io.stderr.write(`foresight: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.FAILURE;
  }
}
