// The number-heavy cliff (issue #13): clusters after a stream in which every fifth line is mostly
// numbers, beside the clusters of the same stream without them (`plain`: its other lines only). A miner that counts `<*>`
// positions as mismatches starts a new cluster for such a line every time it is seen, so its
// cluster count grows with the stream; ours should stay near the plain stream's.
// Usage: node --import tsx bench/templates-number-heavy.ts [DIR] [--lines N]
//   DIR defaults to ../shared/data/loghub next to the repository. One JSON line on stdout.
// The stream: the eight LogHub 2k sets' lines in order, repeated, with every fifth line instead
// one of two number-heavy events with fresh values (seeded, so every run sees the same lines):
// HPC's `Fan speeds ( a b c **** e f )` (six 4-digit readings) and Mac's `en0: Supported
// channels …` (a list of 20 to 40 channel numbers: also a varying token count).
import { templatesSchema } from '../ingest/config.ts';
import { DrainMiner } from '../ingest/templates/drain.ts';
import { loadLoghubSets } from '../ingest/templates/loghub.ts';
import { loghubDirOrExit } from './lib/data.ts';

const args = process.argv.slice(2);
const linesAt = args.indexOf('--lines');
const n = linesAt >= 0 ? Number(args.splice(linesAt, 2)[1]) : 50_000;
const dir = loghubDirOrExit(args[0]);

let seed = 1;
const rand = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % k; };
const CHANNELS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 36, 40, 44, 48, 52, 56, 60, 64, 100, 104, 108, 112, 116, 120, 124, 128, 132, 136, 140, 144, 149, 153, 157, 161, 165];
const heavy = (i: number): string => (i % 2 === 0
  ? `Fan speeds ( ${Array.from({ length: 6 }, (_, k) => (k === 3 ? '****' : String(3000 + rand(1500)))).join(' ')} )`
  : `en0: Supported channels ${CHANNELS.slice(0, 20 + rand(CHANNELS.length - 19)).join(' ')}`);

const all = (await loadLoghubSets(dir)).flatMap((s) => s.contents);
const plain: string[] = [];
const mixed: string[] = [];
for (let i = 0; i < n; i++) {
  const line = all[i % all.length] as string;
  if (i % 5 !== 4) plain.push(line);
  mixed.push(i % 5 === 4 ? heavy(i) : line);
}

const clusters = (lines: string[], over: Record<string, unknown>): { clusters: number; heavyTemplates: number } => {
  const m = new DrainMiner(templatesSchema.parse(over));
  const ids = lines.map((l) => m.add(l).id);
  // Live templates the number-heavy lines ended in (an id resolves to its survivor after merges).
  const heavyIds = new Set(ids.filter((_, i) => i % 5 === 4 && lines === mixed).map((id) => m.resolve(id)).filter((id) => id !== undefined));
  return { clusters: m.size, heavyTemplates: heavyIds.size };
};

const configs: Record<string, Record<string, unknown>> = { default: {}, 'no-merge': { merge: false } };
const out: Record<string, unknown> = { bench: 'templates-number-heavy', lines: n, heavyShare: 0.2 };
for (const [name, over] of Object.entries(configs)) out[name] = { plain: clusters(plain, over).clusters, mixed: clusters(mixed, over) };
process.stdout.write(JSON.stringify(out) + '\n');
