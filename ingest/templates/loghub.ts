import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplatesConfig } from '../config.ts';
import { groupingAccuracy } from './accuracy.ts';
import { DrainMiner } from './drain.ts';

/** Reads LogHub `*_structured.csv` files (Content + EventId) and scores the miner on them. */

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

export interface LabelledLines { contents: string[]; eventIds: string[] }

export function readStructured(csv: string): LabelledLines {
  const [header, ...rows] = parseCsv(csv);
  const ci = header?.indexOf('Content') ?? -1;
  const ei = header?.indexOf('EventId') ?? -1;
  if (ci < 0 || ei < 0) throw new Error('CSV lacks Content or EventId column');
  const body = rows.filter((r) => r.length > Math.max(ci, ei));
  return { contents: body.map((r) => r[ci] as string), eventIds: body.map((r) => r[ei] as string) };
}

export interface LoghubResult { set: string; lines: number; templates: number; truthTemplates: number; accuracy: number }

export function scoreMiner(lines: LabelledLines, cfg: TemplatesConfig): Omit<LoghubResult, 'set'> {
  const miner = new DrainMiner(cfg);
  const ids = lines.contents.map((c) => miner.add(c).id);
  return {
    lines: ids.length,
    templates: miner.size,
    truthTemplates: new Set(lines.eventIds).size,
    accuracy: groupingAccuracy(ids, lines.eventIds),
  };
}

/** Every `<Set>/<Set>_2k.log_structured.csv` (or any `*_structured.csv`) under `dir`. */
export async function evaluateLoghub(dir: string, cfg: TemplatesConfig): Promise<LoghubResult[]> {
  const out: LoghubResult[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = entry.isDirectory() ? join(dir, entry.name) : dir;
    const files = entry.isDirectory() ? await readdir(folder) : [entry.name];
    for (const f of files.filter((n) => n.endsWith('_structured.csv')).sort()) {
      const lines = readStructured(await readFile(join(folder, f), 'utf8'));
      out.push({ set: f.replace(/_2k\.log_structured\.csv$|_structured\.csv$/, ''), ...scoreMiner(lines, cfg) });
    }
  }
  return out;
}
