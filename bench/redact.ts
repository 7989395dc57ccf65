// Redaction on hostile messages (issue #10): 60 KB of `a…a@`, which the old e-mail regex
// retried from every start position, and a mix of ordinary messages for comparison.
// Usage: node --import tsx bench/redact.ts [LINES]   (one JSON line on stdout)
import { parseIngestConfig } from '../ingest/index.ts';
import { createRedactor } from '../ingest/clean/redact.ts';

const N = Number(process.argv[2] ?? 100);
const redact = createRedactor(parseIngestConfig({}).redaction);
const evil = 'a'.repeat(60_000) + '@';
const ordinary = Array.from({ length: 10_000 }, (_, i) => `user ${i}@example.com paid with 4111 1111 1111 1111 from 10.0.${i % 255}.7, Bearer abc.${i}`);

const cpu = (f: () => void): number => {
  const t = process.cpuUsage();
  f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1000;
};
let sink = 0;
const hostileMs = cpu(() => { for (let i = 0; i < N; i++) sink += redact(evil).length; });
const ordinaryMs = cpu(() => { for (const m of ordinary) sink += redact(m).length; });
process.stdout.write(JSON.stringify({
  bench: 'redact', hostileLines: N, hostileLineBytes: evil.length, hostileCpuMs: Math.round(hostileMs), hostileMsPerLine: Number((hostileMs / N).toFixed(3)),
  ordinaryLines: ordinary.length, ordinaryLinesPerSec: Math.round(ordinary.length / (ordinaryMs / 1000)), sink: sink > 0,
}) + '\n');
