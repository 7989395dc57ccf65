// Our side of bench/templates-loghub.ts's throughput, in a process of its own as Drain3's side
// is: one round of each stream, CPU time of the add loop, one JSON line on stdout. Run by that
// bench (which passes DIR and the repeat count); the accuracy evaluation it runs first builds
// miners with other presets, and in its process that cost our side 6-12 % of its lines/s
// (V8's type feedback from the other configurations; three runs each way, 2026-12-01).
// Usage: node --import tsx bench/lib/templates-ours.ts DIR REPEAT
import { templatesSchema } from '../../ingest/config.ts';
import { DrainMiner } from '../../ingest/templates/drain.ts';
import { loadLoghubSets } from '../../ingest/templates/loghub.ts';
import { varyDigits } from './lines.ts';

export interface OursSide { cpu: number; wall: number; clusters: number }
export type OursRound = Record<'repeated' | 'varied' | 'daemonShaped' | 'variedDaemonShaped' | 'cachesOffRepeated' | 'cachesOffVaried', OursSide> & { clustersAfterOnePass: number };

const [dir, repeatArg] = process.argv.slice(2);
if (dir === undefined || repeatArg === undefined) {
  process.stderr.write('usage: templates-ours.ts DIR REPEAT\n');
  process.exit(2);
}
const repeat = Number(repeatArg);
const sets = await loadLoghubSets(dir);
const all = sets.flatMap((s) => s.contents);
const cfg = templatesSchema.parse({});
// The daemon's input shape: the string JSON.parse makes of a JSON log line (bench/templates-loghub.ts).
const daemonShaped = all.map((l) => (JSON.parse(JSON.stringify({ message: l })) as { message: string }).message);
const varied: string[] = [];
for (let r = 0; r < repeat; r++) for (const l of varyDigits(all, r + 1)) varied.push(l);
const variedDaemonShaped = varied.map((l) => (JSON.parse(JSON.stringify({ message: l })) as { message: string }).message);
// Warmed up on one pass of a throwaway miner, as a running daemon is.
{ const warm = new DrainMiner(cfg); for (const l of all) warm.add(l); }
const clustersAfterOnePass = (() => { const m = new DrainMiner(cfg); for (const l of all) m.add(l); return m.size; })();

const run = (lines: readonly string[], times: number, caches = true): OursSide => {
  const miner = new DrainMiner(cfg, { caches });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < times; r++) for (const l of lines) miner.add(l);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall, clusters: miner.size };
};
const round = (): OursRound => ({
  repeated: run(all, repeat),
  varied: run(varied, 1),
  daemonShaped: run(daemonShaped, repeat),
  variedDaemonShaped: run(variedDaemonShaped, 1),
  cachesOffRepeated: run(all, repeat, false),
  cachesOffVaried: run(varied, 1, false),
  clustersAfterOnePass,
});
// The first round is not reported: a fresh process's first runs also pay for V8 compiling the
// code and collecting the set-up's garbage (the CSV parse, the derived streams) on background
// threads, which process CPU time counts (1.30-1.54M lines/s on the repeated stream run first,
// 2.3-2.5M for the same lines run third).
round();
console.log(JSON.stringify(round()));
