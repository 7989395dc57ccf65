import { CommanderError } from 'commander';
import { ForesightError } from '../../core/errors.ts';
import { EXIT } from './context.ts';

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'SCENARIO_INVALID', 'INPUT_INVALID']);
const MISSING_PATH = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** The exit code for an error that ended a command (the table in ./index.ts and the README). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (!(err instanceof ForesightError)) return EXIT.FAILURE;
  if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
  // A file named on the command line that is not there is a usage error, not a failure.
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  if (err.code === 'SOURCE_FAILED' && cause?.code !== undefined && MISSING_PATH.has(cause.code)) return EXIT.USAGE;
  return EXIT.FAILURE;
}
