// Issue #16's peer: a Python pipeline a user might write (orjson + Drain3 + DDSketch, in
// bench/peers/python_peer.py) on the same lines as bench/ingest.ts, beside Foresight's ingest
// measured the same way in the same run, rounds interleaved (python, python masked, ours, …).
// The Python pipeline runs twice per round: Drain3 with its default config (no masking), and
// masking as Drain3's example drain3.ini does (drain3Defaults(), the config `eval loghub` uses).
//   node --import tsx bench/python-peer.ts [LINES] [ROUNDS]   (one JSON line on stdout)
// Both figures are CPU time of the process doing the work (Python: time.process_time around
// its loop only, start-up and imports excluded; ours: process.cpuUsage), best of ROUNDS.
// Python runs from the Drain3 venv (scripts/ensure-drain3.mjs), with orjson and ddsketch
// installed into it here when missing; without Python or PyPI it prints `skipped` with why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureDrain3 } from '../scripts/ensure-drain3.mjs';
import { drain3Defaults } from '../daemon/eval/drain3.ts';
import { benchLines } from './lib/lines.ts';
import { ingestAll, rawInputs, type IngestCounts } from './lib/ingest.ts';
import { cpuMs, loadNote } from './lib/measure.ts';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const EXTRAS = ['orjson==3.13.0', 'ddsketch==3.0.1'];
const SCRIPT = join('bench', 'peers', 'python_peer.py');

function skip(reason: string): never {
  console.log(JSON.stringify({ bench: 'python-peer', skipped: true, reason, ...loadNote() }));
  process.exit(0);
}

/** The venv's python with drain3, orjson and ddsketch importable, or the reason it is not. */
function peerPython(): string {
  const python = ensureDrain3();
  if (python === undefined) skip('Drain3 venv could not be made (python3 -m venv or pip install drain3 failed; see stderr)');
  const ok = (): boolean => spawnSync(python, ['-c', 'import orjson, ddsketch'], { stdio: 'ignore' }).status === 0;
  if (ok()) return python;
  // `python -m pip`, not bin/pip: a copied venv's pip script points at the original venv.
  const r = spawnSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...EXTRAS], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !ok()) skip(`pip install ${EXTRAS.join(' ')} failed (${r.error?.message ?? `exit ${String(r.status)}`})`);
  return python;
}

const python = peerPython();
const texts = benchLines(N, 5);
const dir = join('var', 'bench', 'python-peer');
mkdirSync(dir, { recursive: true });
const file = join(dir, `lines-${N}.ndjson`);
writeFileSync(file, texts.join('\n') + '\n');
const maskFile = join(dir, 'drain3-example-masking.json');
const { masking, maskPrefix, maskSuffix } = drain3Defaults();
writeFileSync(maskFile, JSON.stringify({ masking, maskPrefix, maskSuffix }));
const lines = rawInputs(texts);

// The same measurement as bench/ingest.ts (bench/lib/ingest.ts).
let counts: IngestCounts | undefined;

interface PeerResult { lines: number; windows: number; templates: number; cpuSeconds: number; linesPerSec: number; versions: Record<string, string>; python: string }
function pythonRound(masked: boolean): PeerResult {
  const r = spawnSync(python, [SCRIPT, file, '1', ...(masked ? [maskFile] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) skip(`${SCRIPT} failed (${r.error?.message ?? `exit ${String(r.status)}`})`);
  return JSON.parse(line) as PeerResult;
}

let peer: PeerResult | undefined, masked: PeerResult | undefined, oursMs = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  const p = pythonRound(false);
  if (peer === undefined || p.cpuSeconds < peer.cpuSeconds) peer = p;
  const m = pythonRound(true);
  if (masked === undefined || m.cpuSeconds < masked.cpuSeconds) masked = m;
  oursMs = Math.min(oursMs, cpuMs(() => { counts = ingestAll(lines); }));
}
if (peer === undefined || masked === undefined) skip('no rounds (ROUNDS < 1)');
const ours = Math.round(N / (oursMs / 1000));

console.log(JSON.stringify({
  bench: 'python-peer',
  what: 'Python pipeline a user might write: orjson.loads + Drain3 add_log_message + DDSketch per (service, minute), same lines as bench/ingest.ts',
  lines: N, rounds: ROUNDS, windows: peer.windows, templates: peer.templates, versions: peer.versions, python: peer.python,
  linesPerSec: peer.linesPerSec,
  reference: { what: "Foresight's ingest (clean + template + aggregate), same lines, same run", linesPerSec: ours, events: counts?.events, deadLetters: counts?.deadLetters },
  ratio: Number((ours / peer.linesPerSec).toFixed(2)),
  ratioIs: 'ours / Python',
  masked: { what: "the same, Drain3 masking as its example drain3.ini (drain3Defaults())", linesPerSec: masked.linesPerSec, templates: masked.templates, ratio: Number((ours / masked.linesPerSec).toFixed(2)) },
  ...loadNote(),
}));
