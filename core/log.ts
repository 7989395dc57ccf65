import pino, { type Logger } from 'pino';
import { scrubUrls } from './secrets.ts';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** Pretty output for a person at a terminal; JSON lines otherwise. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

/** Every child of a root logger, so a level change reaches them (pino copies the level at creation). */
const families = new WeakMap<Logger, Set<WeakRef<Logger>>>();

/**
 * Every line is scrubbed of URL credentials on its way out (core/secrets.ts): an error
 * message from a client library may quote the URL it was given, userinfo and all.
 */
const hooks = { streamWrite: scrubUrls };

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const children = new Set<WeakRef<Logger>>();
  const onChild = (child: Logger): void => { children.add(new WeakRef(child)); };
  const root = pretty && !opts.destination
    ? pino({ level, hooks, onChild, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } } })
    // Logs go to stderr so stdout stays free for command output (--json, simulate).
    : pino({ level, hooks, onChild, base: { pid: process.pid } }, (opts.destination ?? process.stderr) as pino.DestinationStream);
  families.set(root, children);
  return root;
}

/** Sets the level of a logger made by createLogger and of every child it has handed out (a config reload). */
export function setLogLevel(root: Logger, level: string): void {
  root.level = level;
  const children = families.get(root);
  if (!children) return;
  for (const ref of children) {
    const child = ref.deref();
    if (child === undefined) children.delete(ref);
    else child.level = level;
  }
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Node's own warnings (deprecations, experimental features) print plain text to stderr by
 * default; a daemon whose stderr is a JSON log stream logs them through pino instead.
 */
export function routeProcessWarnings(log: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    log.warn({ warning: w.name, warningCode: w.code }, w.message);
  });
}
