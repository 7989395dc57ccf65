/**
 * Drain3, the peer `eval loghub` and bench/templates-loghub.ts measure our miner against. It
 * runs in its own Python process (bench/peers/drain3_runner.py, from the venv that
 * scripts/ensure-drain3.mjs makes); lines and masking rules go in as JSON on stdin, per-line
 * cluster ids, final templates and the time of the add loop come back on stdout.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ForesightError } from '../../core/errors.ts';
import { packagePath } from '../../core/paths.ts';
import { DRAIN3_PARAMS, LOGHUB_PARAMS, MASK_PRESETS } from '../../ingest/templates/presets.ts';

/** The venv's python: DRAIN3_PYTHON of scripts/ensure-drain3.mjs (not imported: scripts/ is not built into dist/). */
export const DRAIN3_PYTHON = packagePath('.cache', 'drain3-venv', 'bin', 'python');
const RUNNER = packagePath('bench', 'peers', 'drain3_runner.py');

export interface Drain3Config {
  masking: Array<{ pattern: string; name: string }>;
  maskPrefix: string;
  maskSuffix: string;
  similarity: number;
  depth: number;
  maxChildren: number;
  extraDelimiters: string[];
}

export interface Drain3Job { name: string; lines: string[]; repeat?: number; config: Drain3Config }

export interface Drain3Run {
  name: string;
  /** Cluster id per line of the first pass. */
  clusterIds: number[];
  templates: Record<string, string>;
  clusters: number;
  lines: number;
  seconds: number;
  /** CPU time of the Python process over the same loop (one core: the figure to compare). */
  cpuSeconds: number;
}

/** Drain3 configured as its example drain3.ini masks, with TemplateMinerConfig's defaults otherwise. */
export function drain3Defaults(): Drain3Config {
  const p = MASK_PRESETS.drain3!;
  return { masking: p.rules, maskPrefix: p.prefix, maskSuffix: p.suffix, extraDelimiters: p.extraDelimiters, ...DRAIN3_PARAMS };
}

/** Drain3 configured as the LogHub Drain benchmark configures Drain for `set`; undefined for an unknown set. */
export function drain3LogHub(set: string): Drain3Config | undefined {
  const p = MASK_PRESETS[`loghub-${set}`];
  const params = LOGHUB_PARAMS[set];
  if (!p || !params) return undefined;
  return { masking: p.rules, maskPrefix: p.prefix, maskSuffix: p.suffix, extraDelimiters: p.extraDelimiters, maxChildren: DRAIN3_PARAMS.maxChildren, ...params };
}

/** Whether the Drain3 venv is there (scripts/ensure-drain3.mjs makes it). */
export function drain3Available(): boolean {
  return existsSync(DRAIN3_PYTHON);
}

export async function runDrain3(jobs: Drain3Job[]): Promise<{ version: string; runs: Drain3Run[] }> {
  const child = spawn(DRAIN3_PYTHON, [RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  child.stdin.end(JSON.stringify({ runs: jobs }));
  const code = await done.catch((e: unknown) => { throw new ForesightError('INPUT_INVALID', `drain3 could not start: ${(e as Error).message}`, { cause: e }); });
  if (code !== 0) throw new ForesightError('INPUT_INVALID', `drain3 runner failed (exit ${code}): ${Buffer.concat(err).toString().slice(-2000)}`);
  const parsed = JSON.parse(Buffer.concat(out).toString()) as { drain3: string; runs: Drain3Run[] };
  return { version: parsed.drain3, runs: parsed.runs };
}
