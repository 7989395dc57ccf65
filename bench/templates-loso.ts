// Leave-one-set-out check of the template miner's default parameters on the LogHub 2k sets:
// for each set, choose similarity x depth on the other seven (the best mean grouping accuracy;
// with --baseline, first no set below that run's default there), score the held-out set.
// Usage: node --import tsx bench/templates-loso.ts [DIR] [--baseline EVAL.json] [--variable-values 3,4,...]
//   DIR defaults to ../shared/data/loghub; EVAL.json is a `foresight eval loghub --json`
//   output (its last line; byConfig.foresight is the baseline). --variable-values adds
//   templates.variableValues to the grid (tried largest first: a tie goes to the fewer merges);
//   without it that parameter stays at its default. One JSON line on stdout.
// The rules (constants, path masking, merging) are those of the code; this checks parameters.
import { readFileSync } from 'node:fs';
import { templatesSchema } from '../ingest/config.ts';
import { DrainMiner } from '../ingest/templates/drain.ts';
import { groupingAccuracy, loadLoghubSets } from '../ingest/templates/loghub.ts';
import { loghubDirOrExit } from './lib/data.ts';

const args = process.argv.slice(2);
const baseAt = args.indexOf('--baseline');
const baseFile = baseAt >= 0 ? args.splice(baseAt, 2)[1] : undefined;
const vvAt = args.indexOf('--variable-values');
const defaults = templatesSchema.parse({});
const variableValues = vvAt >= 0 ? args.splice(vvAt, 2)[1]!.split(',').map(Number).sort((a, b) => b - a) : [defaults.variableValues];
const dir = loghubDirOrExit(args[0]);
const sets = await loadLoghubSets(dir);
const names = sets.map((s) => s.name);

function score(depth: number, similarity: number, vv: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sets) {
    const m = new DrainMiner(templatesSchema.parse({ depth, similarity, variableValues: vv }));
    const ids = s.contents.map((c) => m.add(c).id);
    out[s.name] = groupingAccuracy(ids.map((id) => m.resolve(id) ?? id), s.eventIds);
  }
  return out;
}

const grid: Array<{ depth: number; similarity: number; variableValues: number; acc: Record<string, number> }> = [];
for (const depth of [4, 5, 6, 7, 8, 9, 10]) for (const similarity of [0.4, 0.5, 0.55, 0.6, 0.65, 0.7]) {
  for (const vv of variableValues) grid.push({ depth, similarity, variableValues: vv, acc: score(depth, similarity, vv) });
}
type EvalJson = { sets: Record<string, { byConfig: { foresight: { groupingAccuracy: number } } }> };
const baseline: Record<string, number> | undefined = baseFile === undefined ? undefined : Object.fromEntries(
  Object.entries((JSON.parse(readFileSync(baseFile, 'utf8').trim().split('\n').pop()!) as EvalJson).sets).map(([n, s]) => [n, s.byConfig.foresight.groupingAccuracy]));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** No set of `on` below the baseline (the largest shortfall, 0 if none), then the mean. */
const key = (acc: Record<string, number>, on: string[]): [number, number] =>
  [baseline ? Math.min(0, ...on.map((n) => acc[n]! - (baseline[n] ?? 0))) : 0, mean(on.map((n) => acc[n]!))];
const better = (a: [number, number], b: [number, number]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
function choose(on: string[]): (typeof grid)[number] {
  let best = grid[0]!;
  for (const g of grid) if (better(key(g.acc, on), key(best.acc, on))) best = g;
  return best;
}

const heldOut: Record<string, { accuracy: number; depth: number; similarity: number; variableValues: number }> = {};
for (const name of names) {
  const c = choose(names.filter((n) => n !== name));
  heldOut[name] = { accuracy: Number(c.acc[name]!.toFixed(4)), depth: c.depth, similarity: c.similarity, variableValues: c.variableValues };
  process.stderr.write(`${name}: held out ${c.acc[name]!.toFixed(4)} with depth ${c.depth} / similarity ${c.similarity} / variableValues ${c.variableValues} chosen on the other ${names.length - 1}\n`);
}
const all = choose(names);
const ho = names.map((n) => heldOut[n]!.accuracy);
const worst = names[ho.indexOf(Math.min(...ho))]!;
const result = {
  criterion: baseline ? 'no set below the baseline, then best mean' : 'best mean',
  inSample: { depth: all.depth, similarity: all.similarity, variableValues: all.variableValues, mean: Number(mean(names.map((n) => all.acc[n]!)).toFixed(4)) },
  defaults: {
    depth: defaults.depth, similarity: defaults.similarity, variableValues: defaults.variableValues,
    acc: grid.find((g) => g.depth === defaults.depth && g.similarity === defaults.similarity && g.variableValues === defaults.variableValues)?.acc,
  },
  heldOut, heldOutMean: Number(mean(ho).toFixed(4)), heldOutWorst: { set: worst, accuracy: heldOut[worst]!.accuracy },
};
process.stdout.write(JSON.stringify(result) + '\n');
