// Start-up time of the command line (issue #15 item 3): wall time of `foresight --help`
// and `foresight --version` as a user runs them (a fresh node process each time), beside
// `node -e 0` measured in the same run, so a loaded machine shows in the baseline too.
// Runs are interleaved (node, then each BIN's help and version, again ...) so a burst of load
// hits all of them; several BINs (e.g. an older checkout's) are compared in the same run.
// Usage: node --import tsx bench/cli-startup.ts [RUNS] [BIN...]   (default 15, bin/foresight)
// Wall time is what a user waits; CPU time (user + system of the child, from the cutime and
// cstime this process accumulates in /proc/self/stat, 10 ms ticks) is what it costs and is
// less disturbed by other load on the machine.
// One JSON line on stdout: medians, min and max in ms. Results: bench/results/cli-startup.json.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const RUNS = Number(process.argv[2] ?? 15);
const BINS = process.argv.length > 3 ? process.argv.slice(3) : ['bin/foresight'];

const commands: Record<string, string[]> = { node: ['-e', '0'] };
for (const bin of BINS) {
  commands[`${bin} --help`] = [bin, '--help'];
  commands[`${bin} --version`] = [bin, '--version'];
}

/** CPU ms of reaped children so far (fields 16 and 17 of /proc/self/stat, in 100 Hz ticks). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function once(args: string[]): { wall: number; cpu: number } {
  const c = childrenCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return { wall, cpu: childrenCpuMs() - c };
}

const samples: Record<string, Array<{ wall: number; cpu: number }>> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const args of Object.values(commands)) once(args); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(commands)) samples[k]!.push(once(args));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number): number => Math.round(x * 10) / 10;
const stats = (runs: Array<{ wall: number; cpu: number }>) => {
  const wall = runs.map((r) => r.wall);
  return { medianMs: round(median(wall)), minMs: round(Math.min(...wall)), maxMs: round(Math.max(...wall)), cpuMedianMs: round(median(runs.map((r) => r.cpu))) };
};
process.stdout.write(JSON.stringify({
  bench: 'cli-startup', runs: RUNS, node: process.version, loadavg1m: round(loadavg()[0]!),
  nodeEmpty: stats(samples.node!),
  bins: Object.fromEntries(BINS.map((b) => [b, { help: stats(samples[`${b} --help`]!), version: stats(samples[`${b} --version`]!) }])),
}) + '\n');
