import { InvalidArgumentError, Option } from 'commander';

/**
 * What every command registration gets: where to write, and a wrapper that records the
 * command's exit code. Command modules import nothing heavy at the top: each action
 * imports its implementation when it runs, so `foresight --help` loads only commander.
 */

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliContext {
  io: CliIo;
  /** Wraps an action so that the exit code it returns becomes the process's exit code. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

/** Exit codes, the same for every command (docs: README "Commands"). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** `--seed 7`: an integer, or a usage error naming the value. */
export function int(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** A whole number of at least 1 (`--minutes`, `--epochs`, `--partitions`). */
export function positiveInt(value: string): number {
  const n = int(value);
  if (n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/**
 * `-b/--brokers host:port,...` for every command that may talk to Kafka. It stands in for
 * KAFKA_BROKERS (which stays the fallback), so the config layer sees one source of brokers.
 */
export function brokersOption(): Option {
  return new Option('-b, --brokers <host:port,...>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS, else the config file)');
}

export function applyBrokers(brokers: string | undefined): void {
  if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
}

export function configOption(): Option {
  return new Option('-c, --config <file>', 'YAML config file (default: $FORESIGHT_CONFIG, else the embedded profile)');
}

/** The "Examples:" block appended to a command's --help: what it does, then the command. */
export function examples(lines: Array<[string, string]>): string {
  return `\nExamples:\n${lines.map(([cmd, what]) => `  # ${what}\n  $ ${cmd}`).join('\n')}\n`;
}
