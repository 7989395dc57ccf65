import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../daemon/config.ts';
import { createPipeline } from '../../../daemon/pipeline.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import { MemoryDeadLetterSink } from '../../../ingest/deadletter/memory.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { LogLevel, LogSource, RawInput } from '../../../ingest/types.ts';
import type { MetricRecord } from '../../../remediator/types.ts';

const W = 60_000;
const T0 = Date.UTC(2026, 0, 1);

type Line = [LogLevel, string, string?];

/** Literal lines, one batch per window, each line with its level (and service: `agent` unless given). */
class WindowsSource implements LogSource {
  readonly name = 'windows';
  constructor(private readonly lines: (w: number) => Line[], private readonly n: number) {}
  async *batches(): AsyncIterable<RawInput[]> {
    let seq = 0;
    for (let w = 0; w < this.n; w++) {
      const l = this.lines(w);
      yield l.map(([level, message, service = 'agent'], i) => ({
        text: JSON.stringify({ timestamp: new Date(T0 + w * W + Math.floor((i * W) / l.length)).toISOString(), service, level, message }),
        bytes: 10, position: { kind: 'file' as const, file: 'x', line: ++seq }, receivedAt: 0,
      }));
    }
  }
  async close(): Promise<void> {}
}

class MetricsStore extends MemoryRecordStore {
  readonly metrics: MetricRecord[] = [];
  async putMetrics(records: MetricRecord[]): Promise<void> { this.metrics.push(...structuredClone(records)); }
}

async function run(lines: (w: number) => Line[], n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-merge-'));
  const config = parseConfig({ remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  const store = new MetricsStore();
  const p = createPipeline({
    config, telemetry: new Telemetry(), source: new WindowsSource(lines, n), deadLetters: new MemoryDeadLetterSink(), store, actuators: [],
    daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false, keepRecords: true,
  });
  await p.run(new AbortController().signal);
  return { p, store };
}

const HIVES = ['SOFTWARE', 'SYSTEM', 'SECURITY', 'SAM', 'COMPONENTS', 'DEFAULT'];
const hive = (h: string, n: number): string => `Loading offline registry hive: ${h}, into registry key ${n} from path C:\\config\\${h}.`;
const MERGED = 'Loading offline registry hive: <*> into registry key <*> from path <*>';

/**
 * Steady traffic: 40 request lines and two warn lines per hive a window. The five hives are five
 * clusters (an upper-case word is a constant) until a sixth value appears in window 30: from then
 * on the miner folds them into one (a variable slot, templates.variableValues 6).
 */
const steady = (w: number): Line[] => {
  const l: Line[] = [];
  for (let i = 0; i < 40; i++) l.push(['info', `GET /cart/${i} 200 in ${10 + (i % 7)} ms`]);
  for (const h of HIVES.slice(0, w >= 30 ? 6 : 5)) for (let i = 0; i < 2; i++) l.push(['warn', hive(h, w * 10 + i)]);
  return l;
};

test('a variable-slot merge mid-stream at steady rates raises no log_pattern detection; the survivor carries the folded ids\' history', async () => {
  const { p, store } = await run(steady, 45);
  assert.deepEqual(p.detections.filter((d) => d.kind === 'log_pattern').map((d) => [(d.at - T0) / W, d.evidence.reason, d.evidence.template]), []);
  const agent = p.status().serviceList.find((s) => s.service === 'agent')!;
  const hives = agent.templates.filter((t) => t.text.startsWith('Loading offline registry hive'));
  // One template, not the survivor beside five that stopped in window 30.
  assert.equal(hives.length, 1, JSON.stringify(hives.map((t) => [t.id, t.text, t.lastSeen / W])));
  const h = hives[0]!;
  assert.equal(h.text, MERGED);
  assert.equal(h.firstSeen, T0);
  assert.equal(h.lastSeen - h.firstSeen, 44 * W);
  // Every hive line since the start: 5 hives × 2 lines × 30 windows, then 6 × 2 × 15.
  assert.equal(h.total, 5 * 2 * 30 + 6 * 2 * 15);
  assert.deepEqual([h.count, h.warn], [12, 12]);
  // Documents written from the merge on name the survivor only, first seen at the start.
  const last = store.metrics.at(-1)!;
  const docs = (last.templates ?? []).filter((t) => t.text.startsWith('Loading offline registry hive'));
  assert.deepEqual(docs.map((t) => [t.id, t.count, t.firstSeen]), [[h.id, 12, h.firstSeen]]);
  const atMerge = store.metrics.find((r) => r.windowStart === T0 + 30 * W)!;
  assert.deepEqual((atMerge.templates ?? []).filter((t) => t.text.startsWith('Loading offline registry hive')).map((t) => t.id), [h.id]);
});

test('a template a service logged under an id that was folded is not new to it under the survivor\'s id', async () => {
  // `agent` logs only the SYSTEM hive (warn); `backup` logs the others, SOFTWARE most, so
  // SOFTWARE's cluster survives the merge in window 30 and agent's SYSTEM lines carry an id agent
  // never logged.
  const lines = (w: number): Line[] => {
    const l: Line[] = [];
    for (let i = 0; i < 40; i++) l.push(['info', `GET /cart/${i} 200 in ${10 + (i % 7)} ms`]);
    for (let i = 0; i < 3; i++) l.push(['warn', hive('SYSTEM', w * 10 + i)]);
    for (const h of ['SOFTWARE', 'SOFTWARE', 'SOFTWARE', 'SOFTWARE', 'SECURITY', 'SAM', 'COMPONENTS', ...(w >= 30 ? ['DEFAULT'] : [])]) l.push(['info', hive(h, w), 'backup']);
    return l;
  };
  const { p, store } = await run(lines, 40);
  assert.deepEqual(p.detections.filter((d) => d.kind === 'log_pattern').map((d) => [d.service, (d.at - T0) / W, d.evidence.reason]), []);
  const byService = new Map(p.status().serviceList.map((s) => [s.service, s.templates.filter((t) => t.text.startsWith('Loading offline registry hive'))]));
  const agent = byService.get('agent')!;
  const backup = byService.get('backup')!;
  assert.deepEqual(agent.map((t) => [t.text, t.firstSeen, t.total]), [[MERGED, T0, 3 * 40]]);
  assert.deepEqual(backup.map((t) => [t.id, t.text, t.firstSeen, t.total]), [[agent[0]!.id, MERGED, T0, 7 * 40 + 10]]);
  const docs = store.metrics.filter((r) => r.service === 'agent' && r.windowStart >= T0 + 30 * W).flatMap((r) => r.templates ?? []).filter((t) => t.warn > 0);
  assert.deepEqual(new Set(docs.map((t) => [t.id, t.firstSeen].join())), new Set([[agent[0]!.id, T0].join()]));
});
