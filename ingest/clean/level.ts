import type { LogLevel } from '../types.ts';

const NAMES: Record<string, LogLevel> = {
  trace: 'trace', verbose: 'trace',
  debug: 'debug', dbg: 'debug',
  info: 'info', information: 'info', informational: 'info', notice: 'info', log: 'info',
  warn: 'warn', warning: 'warn',
  error: 'error', err: 'error',
  fatal: 'fatal', crit: 'fatal', critical: 'fatal', alert: 'fatal', emerg: 'fatal', emergency: 'fatal', panic: 'fatal',
};

export const LEVEL_RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Pino numbers: 10 trace … 60 fatal; custom levels in between round down. */
function fromNumber(n: number): LogLevel | undefined {
  if (!Number.isFinite(n) || n < 10) return undefined;
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return 'trace';
}

export type LevelResult = { ok: true; level: LogLevel } | { ok: false; detail: string };

export function parseLevel(v: unknown): LevelResult {
  if (typeof v === 'number') {
    const l = fromNumber(v);
    return l ? { ok: true, level: l } : { ok: false, detail: 'level number is not a pino level (10..60)' };
  }
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    const named = NAMES[s];
    if (named) return { ok: true, level: named };
    if (/^\d+$/.test(s)) return parseLevel(Number(s));
    return { ok: false, detail: `level (a string of ${v.length} characters) is not a known level name` };
  }
  return { ok: false, detail: `level has type ${Array.isArray(v) ? 'array' : typeof v}` };
}

/** A line without a level: a 5xx status says error, anything else info. */
export function levelFromStatus(status: number | undefined): LogLevel {
  return status !== undefined && status >= 500 ? 'error' : 'info';
}
