import pino, { type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** Pretty output for a person at a terminal; JSON lines otherwise. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty && !opts.destination) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  // Logs go to stderr so stdout stays free for command output (--json, simulate).
  return pino({ level, base: { pid: process.pid } }, (opts.destination ?? process.stderr) as pino.DestinationStream);
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
