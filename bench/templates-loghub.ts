// Template miner vs Drain3 on the LogHub 2k sets: accuracy per set (the `eval loghub` table, on
// stderr) and throughput on one core over a longer stream (every set's lines, repeated).
// Usage: node --import tsx bench/templates-loghub.ts [DIR] [--lines N] [--rounds R]
//   DIR defaults to ../shared/data/loghub next to the repository. One JSON line on stdout.
// Drain3 runs from the venv scripts/ensure-drain3.mjs makes (installed here when missing).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OursRound, OursSide } from './lib/templates-ours.ts';
import { loadLoghubSets } from '../ingest/templates/loghub.ts';
import { evaluateLoghub, formatLoghubTable, loghubJson } from '../daemon/eval/loghub.ts';
import { drain3Defaults, runDrain3, type Drain3Config } from '../daemon/eval/drain3.ts';
import { ensureDrain3 } from '../scripts/ensure-drain3.mjs';
import { loghubDirOrExit } from './lib/data.ts';
import { varyDigits } from './lib/lines.ts';
import { goal, loadNote } from './lib/measure.ts';

const args = process.argv.slice(2);
const linesAt = args.indexOf('--lines');
const target = linesAt >= 0 ? Number(args.splice(linesAt, 2)[1]) : 200_000;
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 3;
const dir = loghubDirOrExit(args[0]);
const drain3 = ensureDrain3() !== undefined;

const accuracy = await evaluateLoghub({ dir, drain3 });
process.stderr.write(formatLoghubTable(accuracy));

// Throughput: all sets' lines one after another, repeated up to `target` lines, fed to one
// miner (ours with its defaults) and to Drain3 with its defaults and with no masking at all
// (its fastest configuration). Each side runs in a process of its own per round (ours:
// bench/lib/templates-ours.ts) and is timed in that process's CPU time over the add loop only
// (the machine is shared: wall time moved 5x between runs), in `--rounds` interleaved rounds
// (default 3), best round per side. Ours is warmed up on one pass of a throwaway miner first,
// as a running daemon is.
// Four streams, each fed to a fresh miner per round:
// - `repeated` (the headline): the lines as the CSV loader made them, repeated verbatim;
// - `varied`: the same events with fresh values, every digit run replaced by random digits of
//   the same length in each repetition (bench/lib/lines.ts varyDigits), so nothing keyed on a
//   line's or a value's text gets hits it would not get from a running service; Drain3 gets
//   the same lines;
// - `daemonShaped`: the repeated lines as a daemon's cleaner hands them to the miner, each the
//   string JSON.parse makes of a JSON log line. The CSV loader builds each line a character at
//   a time (a rope: V8 reads every character through it); JSON.parse makes flat strings
//   (checked with %DebugPrint: ONE_BYTE_STRING_TYPE; with the default redaction, the 23 % of
//   the LogHub lines holding an IPv4 address come out of its replace() as concatenations
//   again). Reported beside the headline, never instead of it; `variedDaemonShaped` is the
//   varied stream so made (varyDigits' replace() leaves concatenations too).
// Ours also runs with the miner's caches off (`caches: false`: the tokenizer's memos of words,
// values and whole messages, and the token-list cache; same output), to show what they add on
// each stream: the memos keyed on a message's or a value's text gain from verbatim repetition,
// the token-list cache (keyed on the masked tokens) from any repeated event.
const sets = await loadLoghubSets(dir);
const all = sets.flatMap((s) => s.contents);
const repeat = Math.max(1, Math.round(target / all.length));
const varied: string[] = [];
for (let r = 0; r < repeat; r++) for (const l of varyDigits(all, r + 1)) varied.push(l);
const unmasked: Drain3Config = { ...drain3Defaults(), masking: [], extraDelimiters: [] };
interface Side { cpu: number; wall: number; clusters: number }
const side = (): Side => ({ cpu: Infinity, wall: Infinity, clusters: 0 });
const ours = { repeated: side(), varied: side(), daemonShaped: side(), variedDaemonShaped: side() };
const uncached = { repeated: side(), varied: side() };
const peer = { defaults: side(), noMasking: side(), varied: side() };
let clustersAfterOne = 0;
const best = (into: Side, got: OursSide): void => {
  into.cpu = Math.min(into.cpu, got.cpu);
  into.wall = Math.min(into.wall, got.wall);
  into.clusters = got.clusters;
};
const runOurs = (): void => {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL('./lib/templates-ours.ts', import.meta.url)), dir, String(repeat)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`bench/lib/templates-ours.ts failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const got = JSON.parse(child.stdout.trim().split('\n').pop() as string) as OursRound;
  best(ours.repeated, got.repeated);
  best(ours.varied, got.varied);
  best(ours.daemonShaped, got.daemonShaped);
  best(ours.variedDaemonShaped, got.variedDaemonShaped);
  best(uncached.repeated, got.cachesOffRepeated);
  best(uncached.varied, got.cachesOffVaried);
  clustersAfterOne = got.clustersAfterOnePass;
};
for (let round = 0; round < rounds; round++) {
  runOurs();
  if (drain3) {
    const jobs = [{ name: 'defaults', lines: all, repeat, config: drain3Defaults() }, { name: 'varied', lines: varied, repeat: 1, config: drain3Defaults() }];
    if (round === 0) jobs.push({ name: 'no-masking', lines: all, repeat, config: unmasked });
    for (const run of (await runDrain3(jobs)).runs) {
      const into = run.name === 'defaults' ? peer.defaults : run.name === 'varied' ? peer.varied : peer.noMasking;
      into.cpu = Math.min(into.cpu, run.cpuSeconds);
      into.clusters = run.clusters;
    }
  }
}
const lines = all.length * repeat;
const lps = (s: Side): number => lines / s.cpu;
const oursLps = lps(ours.repeated);
const throughput: Record<string, unknown> = {
  lines, rounds, timing: 'CPU time, best round per side',
  ours: { linesPerSec: Math.round(oursLps), wallLinesPerSec: Math.round(lines / ours.repeated.wall), clusters: ours.repeated.clusters, clustersAfterOnePass: clustersAfterOne },
  oursVaried: { linesPerSec: Math.round(lps(ours.varied)), clusters: ours.varied.clusters },
  oursDaemonShaped: { linesPerSec: Math.round(lps(ours.daemonShaped)), clusters: ours.daemonShaped.clusters },
  oursVariedDaemonShaped: { linesPerSec: Math.round(lps(ours.variedDaemonShaped)), clusters: ours.variedDaemonShaped.clusters },
  oursCachesOff: { linesPerSec: Math.round(lps(uncached.repeated)), variedLinesPerSec: Math.round(lps(uncached.varied)) },
};
if (drain3) {
  for (const [name, s, mine] of [['defaults', peer.defaults, ours.repeated], ['no-masking', peer.noMasking, ours.repeated], ['varied', peer.varied, ours.varied]] as const) {
    throughput[`drain3_${name}`] = { linesPerSec: Math.round(lps(s)), clusters: s.clusters, oursTimes: Number((lps(mine) / lps(s)).toFixed(1)) };
  }
  // Drain3 gets the same text either way; only our side's input shape differs.
  throughput.drain3_defaults_vs_daemonShaped = { oursTimes: Number((lps(ours.daemonShaped) / lps(peer.defaults)).toFixed(1)) };
  throughput.drain3_varied_vs_daemonShaped = { oursTimes: Number((lps(ours.variedDaemonShaped) / lps(peer.varied)).toFixed(1)) };
  throughput.drain3_vs_oursCachesOff = { oursTimes: Number((lps(uncached.repeated) / lps(peer.defaults)).toFixed(1)), variedOursTimes: Number((lps(uncached.varied) / lps(peer.varied)).toFixed(1)) };
}
process.stderr.write(`throughput over ${all.length * repeat} lines: ${JSON.stringify(throughput)}\n`);
// Issue #16 / the log-analysis issue: ≥ 30× Drain3 in lines/s; the like-for-like peer is
// Drain3 with its default masking (ours masks too), the unmasked one is its fastest.
const peerFigures = throughput.drain3_defaults as { linesPerSec: number; oursTimes: number } | undefined;
const reference = peerFigures ? { what: 'Drain3 0.9.11 with its example drain3.ini masking, same lines, same run', linesPerSec: peerFigures.linesPerSec } : null;
console.log(JSON.stringify({
  bench: 'templates-loghub', ...loghubJson(accuracy), throughput,
  linesPerSec: Math.round(oursLps), reference, ratio: peerFigures ? peerFigures.oursTimes : null,
  goals: peerFigures ? [goal('× Drain3 (lines/s, default masking)', peerFigures.oursTimes, 30)] : [],
  ...loadNote(),
}));
