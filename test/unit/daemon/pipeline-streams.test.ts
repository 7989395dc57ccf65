import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../daemon/config.ts';
import { createPipeline, type PipelineDeps } from '../../../daemon/pipeline.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import { MemoryDeadLetterSink } from '../../../ingest/deadletter/memory.ts';
import { MemoryRecordStore } from '../../../remediator/store/memory.ts';
import type { LogSource, MetricPoint, RawInput, TemplateMerge } from '../../../ingest/types.ts';
import type { MetricRecord } from '../../../remediator/types.ts';
import type { PartitionState } from '../../../ingest/window/watermark.ts';
import type { SourcedPartial } from '../../../ingest/index.ts';
import type { SourceMark } from '../../../ingest/partials/publisher.ts';
import { encodeRecord, shardOf } from '../../../ingest/partials/records.ts';
import { createRng } from '../../../ingest/sources/simulator/rng.ts';

// The two stages wired in one process, with the partials topic in memory: what stage one
// publishes comes back as batches of the partials partitions, as a consumer holding every
// partition of both topics would read them. The metric points must equal one process's.

const T0 = Date.UTC(2026, 0, 1);
const SOURCES = 3;
const PARTIALS = 3;

function lines(): Array<{ partition: number; text: string }> {
  const rng = createRng(3);
  const out: Array<{ partition: number; text: string }> = [];
  for (let i = 0; i < 1500; i++) {
    const service = ['a', 'b', 'c', 'd'][i % 4]!;
    const ts = T0 + i * 2000 + Math.floor(rng.next() * 10_000);
    out.push({ partition: Math.floor(rng.next() * SOURCES), text: JSON.stringify({ timestamp: new Date(ts).toISOString(), service, message: 'ok', latency_ms: 5 + Math.round(rng.next() * 300), level: rng.next() < 0.05 ? 'error' : 'info' }) });
  }
  // One line far ahead on every partition closes every real window.
  for (let p = 0; p < SOURCES; p++) out.push({ partition: p, text: JSON.stringify({ timestamp: new Date(T0 + 6 * 3600_000).toISOString(), service: 'zz', message: 'end' }) });
  return out;
}

class TwoTopicSource implements LogSource {
  readonly name = 'fake-kafka';
  readonly acked: string[] = [];
  private readonly offsets = new Map<string, number>();
  private readonly partialsQueue: RawInput[][] = [];
  constructor(private readonly input: Array<{ partition: number; text: string }>) {}
  private input_(topic: string, partition: number, text: string): RawInput {
    const k = `${topic}:${partition}`;
    const offset = this.offsets.get(k) ?? 0;
    this.offsets.set(k, offset + 1);
    return { text, bytes: text.length, position: { kind: 'kafka', topic, partition, offset: String(offset) }, receivedAt: 0 };
  }
  publish(partials: SourcedPartial[], marks: SourceMark[], merges: TemplateMerge[] = [], source = ''): Promise<void> {
    const by = new Map<number, RawInput[]>();
    const push = (q: number, text: string): void => { const b = by.get(q) ?? []; b.push(this.input_('p', q, text)); by.set(q, b); };
    for (const m of merges) for (let q = 0; q < PARTIALS; q++) push(q, encodeRecord({ kind: 'merge', source, ids: m.ids, into: m.into }));
    for (const { source, partial } of partials) push(shardOf(partial.service, PARTIALS), encodeRecord({ kind: 'partial', source, partial }));
    for (const m of marks) for (let q = 0; q < PARTIALS; q++) push(q, encodeRecord({ kind: 'watermark', ...m }));
    for (const b of by.values()) this.partialsQueue.push(b);
    return Promise.resolve();
  }
  /** The in-memory source topic's ends (every line is written up front). */
  logEnds(keys: readonly string[]): Promise<Map<string, bigint>> {
    const ends = new Map<string, bigint>();
    for (const k of keys) ends.set(k, BigInt(this.input.filter((l) => `t:${l.partition}` === k).length));
    return Promise.resolve(ends);
  }
  partitions(): PartitionState[] {
    return [...Array.from({ length: SOURCES }, (_, i) => ({ key: `t:${i}`, idle: false })), ...Array.from({ length: PARTIALS }, (_, i) => ({ key: `p:${i}`, idle: false }))];
  }
  async *batches(): AsyncIterable<RawInput[]> {
    for (let i = 0; i < this.input.length; i += 40) {
      // Source batches are per partition, as kafkajs hands them over.
      const chunk = this.input.slice(i, i + 40);
      for (let p = 0; p < SOURCES; p++) {
        const mine = chunk.filter((l) => l.partition === p);
        if (mine.length > 0) yield mine.map((l) => this.input_('t', p, l.text));
        while (this.partialsQueue.length > 0) yield this.partialsQueue.shift()!;
      }
    }
  }
  async ack(batch: RawInput[]): Promise<void> {
    for (const r of batch) if (r.position.kind === 'kafka') this.acked.push(`${r.position.topic}:${r.position.partition}:${r.position.offset}`);
  }
  async close(): Promise<void> {}
}

class MetricsStore extends MemoryRecordStore {
  readonly points: MetricPoint[] = [];
  async putMetrics(points: MetricPoint[]): Promise<void> { this.points.push(...points); }
}

function deps(source: LogSource, store: MetricsStore, streams?: PipelineDeps['streams']): PipelineDeps {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-streams-'));
  const config = parseConfig({ ingest: { allowedLatenessMs: 30_000 }, remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  return { config, telemetry: new Telemetry(), source, deadLetters: new MemoryDeadLetterSink(), store, actuators: [], daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false, ...(streams ? { streams } : {}) };
}

const key = (p: MetricPoint): string => `${p.service}@${p.windowStart}`;
const strip = (p: MetricPoint): MetricPoint => { const { forecast: _f, forecaster: _g, sloP95Ms: _s, ...rest } = p as MetricRecord; return rest; };

test('two stages over an in-memory partials topic give one process\'s metric points; acknowledgements wait for closed windows', async () => {
  const input = lines();
  const ref = new MetricsStore();
  const one = new TwoTopicSource(input);
  await createPipeline(deps(one, ref)).run(new AbortController().signal);

  const got = new MetricsStore();
  const two = new TwoTopicSource(input);
  const pipeline = createPipeline(deps(two, got, { topic: 'p', partitions: PARTIALS, sources: ['t:0', 't:1', 't:2'], publisher: { publish: (a, b, c, d) => two.publish(a, b, c, d), forget: () => undefined }, logEnds: (keys) => two.logEnds(keys) }));
  await pipeline.run(new AbortController().signal);

  const last = T0 + 6 * 3600_000 - 60_000;
  const want = new Map(ref.points.filter((p) => p.windowStart < last && p.service !== 'zz').map((p) => [key(p), strip(p)]));
  const have = new Map(got.points.filter((p) => p.windowStart < last && p.service !== 'zz').map((p) => [key(p), strip(p)]));
  assert.ok(want.size > 100);
  assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort(), 'the same windows');
  for (const [k, p] of want) assert.deepEqual(have.get(k), p, k);
  const s = pipeline.status();
  assert.deepEqual(s.streams?.partialsPartitions, ['p:0', 'p:1', 'p:2']);
  assert.equal(s.streams?.tooLate, 0);
  // The far-ahead line's window is open on every source partition: their last batches stay unacknowledged.
  for (let p = 0; p < SOURCES; p++) {
    const acked = two.acked.filter((a) => a.startsWith(`t:${p}:`)).map((a) => Number(a.split(':')[2]));
    const total = input.filter((l) => l.partition === p).length;
    assert.ok(acked.length > 0 && acked.length < total, `t:${p}: ${acked.length} of ${total} acknowledged`);
    assert.deepEqual(acked, acked.map((_, i) => i), 'a prefix, in order');
  }
  assert.ok(two.acked.some((a) => a.startsWith('p:')), 'partials batches are acknowledged once their windows were handled');
});

test('two stages: a template merge in stage one\'s miner reaches stage two as a merge record, which folds its template history (no false burst, one template)', async () => {
  // Steady traffic over 45 windows: 40 request lines and two warn lines per registry hive a
  // window, five hives (five clusters: an upper-case word is a constant) until a sixth appears
  // in window 30 and the miner folds them into one (a variable slot).
  const hives = ['SOFTWARE', 'SYSTEM', 'SECURITY', 'SAM', 'COMPONENTS', 'DEFAULT'];
  const input: Array<{ partition: number; text: string }> = [];
  for (let w = 0; w < 45; w++) {
    const msgs: Array<[string, string]> = [];
    for (let i = 0; i < 40; i++) msgs.push(['info', `GET /cart/${i} 200 in ${10 + (i % 7)} ms`]);
    for (const h of hives.slice(0, w >= 30 ? 6 : 5)) for (let i = 0; i < 2; i++) msgs.push(['warn', `Loading offline registry hive: ${h}, into registry key ${w * 10 + i} from path C:\\config\\${h}.`]);
    msgs.forEach(([level, message], i) => {
      const ts = T0 + w * 60_000 + Math.floor((i * 60_000) / msgs.length);
      input.push({ partition: i % SOURCES, text: JSON.stringify({ timestamp: new Date(ts).toISOString(), service: 'agent', level, message }) });
    });
  }
  for (let p = 0; p < SOURCES; p++) input.push({ partition: p, text: JSON.stringify({ timestamp: new Date(T0 + 6 * 3600_000).toISOString(), service: 'zz', message: 'end' }) });
  const got = new MetricsStore();
  const two = new TwoTopicSource(input);
  const pipeline = createPipeline(deps(two, got, { topic: 'p', partitions: PARTIALS, sources: ['t:0', 't:1', 't:2'], publisher: { publish: (a, b, c, d) => two.publish(a, b, c, d), forget: () => undefined }, logEnds: (keys) => two.logEnds(keys) }));
  await pipeline.run(new AbortController().signal);
  assert.deepEqual(pipeline.detections.filter((d) => d.kind === 'log_pattern').map((d) => [(d.at - T0) / 60_000, d.evidence.reason]), []);
  const agent = pipeline.status().serviceList.find((s) => s.service === 'agent')!;
  const hive = agent.templates.filter((t) => t.text.startsWith('Loading offline registry hive'));
  assert.deepEqual(hive.map((t) => [t.text, t.firstSeen, t.total]), [['Loading offline registry hive: <*> into registry key <*> from path <*>', T0, 5 * 2 * 30 + 6 * 2 * 15]]);
});
