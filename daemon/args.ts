import { ForesightError } from '../core/errors.ts';

/**
 * A small, strict argument parser: declared flags only, `--flag value` or `--flag=value`,
 * booleans without a value. An unknown flag is a usage error, never silently ignored.
 */
export interface FlagSpec {
  [name: string]: 'string' | 'boolean';
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean | undefined>;
}

export function parseArgs(argv: string[], spec: FlagSpec, command: string): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('--') || arg === '-') { positional.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new ForesightError('USAGE', `foresight ${command}: unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq > 0) throw new ForesightError('USAGE', `foresight ${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new ForesightError('USAGE', `foresight ${command}: --${name} needs a value`);
    flags[name] = value;
  }
  return { positional, flags };
}

export function intFlag(v: string | boolean | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n)) throw new ForesightError('USAGE', `--${name} must be an integer, got ${String(v)}`);
  return n;
}
