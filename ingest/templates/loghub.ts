import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogTemplate } from '../types.ts';

/**
 * LogHub `*_structured.csv` files (Content, EventId, EventTemplate, and BGL's Label) and the
 * two log-parsing scores computed on them. No miner here: callers hand in per-line group ids
 * and templates, so our miner and Drain3 are scored by the same code.
 */

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

export interface LabelledLines {
  contents: string[];
  eventIds: string[];
  /** Ground-truth template per line (EventTemplate), when the file has it. */
  templates?: string[];
  /** Per-line alert label (BGL's `Label`; `-` for a normal line), when the file has it. */
  labels?: string[];
  /** Per-line level (`Level` column), when the file has it. */
  levels?: string[];
  /** Per-line epoch seconds (`Timestamp` column), when the file has it. */
  timestamps?: number[];
}

export function readStructured(csv: string): LabelledLines {
  const [header, ...rows] = parseCsv(csv);
  const col = (name: string): number => header?.indexOf(name) ?? -1;
  const ci = col('Content');
  const ei = col('EventId');
  if (ci < 0 || ei < 0) throw new Error('CSV lacks Content or EventId column');
  const body = rows.filter((r) => r.length > Math.max(ci, ei));
  const column = (i: number): string[] | undefined => (i < 0 ? undefined : body.map((r) => r[i] ?? ''));
  const out: LabelledLines = { contents: body.map((r) => r[ci] as string), eventIds: body.map((r) => r[ei] as string) };
  const templates = column(col('EventTemplate'));
  const labels = column(col('Label'));
  const levels = column(col('Level'));
  if (templates) out.templates = templates;
  if (labels) out.labels = labels;
  if (levels) out.levels = levels;
  const ts = column(col('Timestamp'));
  if (ts && ts.every((t) => /^\d+$/.test(t))) out.timestamps = ts.map(Number);
  return out;
}

/**
 * Grouping accuracy, the usual log-parsing metric (Zhu et al., ICSE-SEIP 2019): a line counts
 * as parsed correctly when the set of lines its predicted group holds is exactly the set of
 * lines sharing its ground-truth event id.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('predicted and truth differ in length');
  if (predicted.length === 0) return 1;
  const byPred = new Map<string, number[]>();
  predicted.forEach((p, i) => { const g = byPred.get(p); if (g) g.push(i); else byPred.set(p, [i]); });
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let correct = 0;
  for (const lines of byPred.values()) {
    const t0 = truth[lines[0] as number] as string;
    if (lines.every((i) => truth[i] === t0) && truthSize.get(t0) === lines.length) correct += lines.length;
  }
  return correct / predicted.length;
}

/**
 * Template text as compared by parsing accuracy: any mask spelling (`<*>`, Drain3's `<:NUM:>`)
 * is the wildcard, adjacent wildcards are one, whitespace runs are one space.
 */
export function normaliseTemplate(t: string): string {
  return t
    .replace(/<:[A-Z*]+:>/g, '<*>')
    .replace(/(?:<\*>)+/g, '<*>')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Parsing accuracy (Khan et al., ICSE 2022; LogHub-2.0): the share of lines whose predicted
 * template is exactly their ground-truth template (both normalised as above).
 */
export function parsingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('predicted and truth differ in length');
  if (predicted.length === 0) return 1;
  const cache = new Map<string, string>();
  const norm = (s: string): string => {
    let n = cache.get(s);
    if (n === undefined) { n = normaliseTemplate(s); cache.set(s, n); }
    return n;
  };
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (norm(predicted[i] as string) === norm(truth[i] as string)) correct++;
  return correct / predicted.length;
}

export interface LoghubSet extends LabelledLines { name: string }

/** Every `<Set>/<Set>_2k.log_structured.csv` (or any `*_structured.csv`) under `dir`, by name. */
export async function loadLoghubSets(dir: string): Promise<LoghubSet[]> {
  const out: LoghubSet[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() && !entry.name.endsWith('_structured.csv')) continue;
    const folder = entry.isDirectory() ? join(dir, entry.name) : dir;
    const files = entry.isDirectory() ? await readdir(folder) : [entry.name];
    for (const f of files.filter((n) => n.endsWith('_structured.csv')).sort()) {
      const lines = readStructured(await readFile(join(folder, f), 'utf8'));
      out.push({ name: f.replace(/_2k\.log_structured\.csv$|_structured\.csv$/, ''), ...lines });
    }
  }
  return out;
}

export interface ParseScores {
  groupingAccuracy: number;
  /** Undefined when the set has no EventTemplate column. */
  parsingAccuracy?: number;
  linesPerSec: number;
  templates: number;
}

/** Scores one run: per-line group ids, the final template of each group, and the time taken. */
export function scoreParse(set: LabelledLines, groupIds: readonly string[], finalText: ReadonlyMap<string, string>, seconds: number): ParseScores {
  const out: ParseScores = {
    groupingAccuracy: groupingAccuracy(groupIds, set.eventIds),
    linesPerSec: groupIds.length / Math.max(seconds, 1e-9),
    templates: new Set(groupIds).size,
  };
  if (set.templates) out.parsingAccuracy = parsingAccuracy(groupIds.map((id) => finalText.get(id) ?? ''), set.templates);
  return out;
}

/** What `eval loghub` needs of a miner. */
export interface Miner {
  add(message: string): LogTemplate;
  templates(): Array<{ id: string; text: string }>;
  /** The live id an earlier id stands for after merges (ours; Drain3 never merges). */
  resolve?(id: string): string | undefined;
}

/** Runs a fresh miner over the set's lines, timing only the `add` loop. */
export function runMiner(set: LabelledLines, miner: Miner): ParseScores {
  const ids = new Array<string>(set.contents.length);
  const t0 = performance.now();
  for (let i = 0; i < set.contents.length; i++) ids[i] = miner.add(set.contents[i] as string).id;
  const seconds = (performance.now() - t0) / 1000;
  // A line keeps the id it was given; a merge since only makes two ids name one group.
  if (miner.resolve) for (let i = 0; i < ids.length; i++) ids[i] = miner.resolve(ids[i] as string) ?? (ids[i] as string);
  return scoreParse(set, ids, new Map(miner.templates().map((t) => [t.id, t.text])), seconds);
}
