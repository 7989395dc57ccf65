/**
 * Reading and writing NAB's on-disk layout: data/<category>/<file>.csv,
 * labels/combined_windows.json and results/<detector>/<category>/<detector>_<file>.csv[.gz].
 */
import { readFileSync, readdirSync, statSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep, dirname, basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ForesightError } from '../../core/errors.ts';

/** NAB timestamps ("YYYY-MM-DD HH:MM:SS" with optional fraction) as UTC epoch ms. */
export function parseNabTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) throw new ForesightError('INPUT_INVALID', `not a NAB timestamp: ${JSON.stringify(text)}`);
  const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + frac;
}

export interface CsvTable {
  header: string[];
  rows: string[][];
}

export function readCsv(path: string): CsvTable {
  let text: string;
  try {
    const raw = readFileSync(path);
    text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  } catch (cause) {
    throw new ForesightError('INPUT_INVALID', `cannot read ${path}`, { cause });
  }
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const head = lines.shift();
  if (head === undefined) throw new ForesightError('INPUT_INVALID', `${path}: empty file`);
  return { header: head.split(','), rows: lines.map((l) => l.split(',')) };
}

export function column(table: CsvTable, name: string, path: string): string[] {
  const idx = table.header.indexOf(name);
  if (idx < 0) throw new ForesightError('INPUT_INVALID', `${path}: no column ${name}`);
  return table.rows.map((r) => r[idx] ?? '');
}

/** One data file of the corpus. */
export interface NabSeries {
  /** `<category>/<file>.csv` */
  path: string;
  timestamps: string[];
  times: Float64Array;
  values: Float64Array;
  /** Values as written in the file, so results files echo them unchanged. */
  valueText: string[];
}

function walk(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, accept));
    else if (accept(name)) out.push(full);
  }
  return out;
}

const toPosix = (p: string): string => p.split(sep).join('/');

export function readSeries(nabRoot: string): NabSeries[] {
  const dataDir = join(nabRoot, 'data');
  if (!existsSync(dataDir)) throw new ForesightError('INPUT_INVALID', `${dataDir} does not exist`);
  return walk(dataDir, (n) => n.endsWith('.csv')).map((file) => {
    const table = readCsv(file);
    const ts = column(table, 'timestamp', file);
    const vals = column(table, 'value', file);
    return {
      path: toPosix(relative(dataDir, file)),
      timestamps: ts,
      times: Float64Array.from(ts, parseNabTime),
      values: Float64Array.from(vals, Number),
      valueText: vals,
    };
  });
}

export type NabWindows = Map<string, Array<[number, number]>>;

export function readWindows(nabRoot: string): NabWindows {
  const file = join(nabRoot, 'labels', 'combined_windows.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ForesightError('INPUT_INVALID', `cannot read ${file}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ForesightError('INPUT_INVALID', `${file}: not an object`);
  const out: NabWindows = new Map();
  for (const [path, list] of Object.entries(parsed)) {
    if (!Array.isArray(list)) throw new ForesightError('INPUT_INVALID', `${file}: ${path} is not a list`);
    out.set(path, list.map((w: unknown) => {
      if (!Array.isArray(w) || typeof w[0] !== 'string' || typeof w[1] !== 'string') {
        throw new ForesightError('INPUT_INVALID', `${file}: bad window in ${path}`);
      }
      return [parseNabTime(w[0]), parseNabTime(w[1])] as [number, number];
    }));
  }
  return out;
}

/** A detector's results file, mapped back to its data path. */
export interface NabResult {
  path: string;
  times: Float64Array;
  scores: Float64Array;
}

/**
 * Reads results/<detector>/ (plain or gzipped CSVs). The detector name is the folder's
 * name, as NAB does; each file is `<detector>_<file>.csv`.
 */
export function readResults(resultsDir: string, onFile?: (done: number, total: number) => void): { detector: string; results: NabResult[] } {
  if (!existsSync(resultsDir)) throw new ForesightError('INPUT_INVALID', `${resultsDir} does not exist`);
  const detector = basename(resultsDir.replace(/[/\\]+$/, ''));
  const files = walk(resultsDir, (n) => (n.endsWith('.csv') || n.endsWith('.csv.gz')) && !n.includes('_scores.csv'));
  const results: NabResult[] = [];
  onFile?.(0, files.length);
  for (const [k, file] of files.entries()) {
    const rel = toPosix(relative(resultsDir, file));
    const dir = dirname(rel);
    if (dir !== '.') {
      let name = basename(rel).replace(/\.gz$/, '');
      if (name.startsWith(`${detector}_`)) name = name.slice(detector.length + 1);
      const table = readCsv(file);
      results.push({
        path: `${dir}/${name}`,
        times: Float64Array.from(column(table, 'timestamp', file), parseNabTime),
        scores: Float64Array.from(column(table, 'anomaly_score', file), Number),
      });
    }
    onFile?.(k + 1, files.length);
  }
  return { detector, results };
}

/** Writes one results file in NAB's layout and columns. */
export function writeResult(
  outDir: string, detector: string, series: NabSeries, scores: ArrayLike<number>, windows: ReadonlyArray<readonly [number, number]>,
): string {
  const slash = series.path.lastIndexOf('/');
  const category = series.path.slice(0, slash);
  const file = join(outDir, detector, category, `${detector}_${series.path.slice(slash + 1)}`);
  mkdirSync(dirname(file), { recursive: true });
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < series.times.length; i++) {
    const t = series.times[i] as number;
    const label = windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0;
    lines.push(`${series.timestamps[i]},${series.valueText[i]},${scores[i]},${label}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
