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
import type { LogSource, RawInput } from '../../../ingest/types.ts';
import type { MetricPoint } from '../../../ingest/types.ts';

// A Kafka-like source: offsets on every input, acknowledgements recorded.
class FakeSource implements LogSource {
  readonly name = 'fake';
  readonly acked: string[][] = [];
  private offset = 0;
  constructor(private readonly batches_: number[][], private readonly abortAfter?: { batches: number; ctl: AbortController }) {}
  async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
    let n = 0;
    for (const minutes of this.batches_) {
      if (signal.aborted) return;
      yield minutes.map((m) => ({
        text: JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1) + m * 60_000).toISOString(), service: 'a', message: 'ok', latency_ms: 10 }),
        bytes: 10, position: { kind: 'kafka' as const, topic: 't', partition: 0, offset: String(this.offset++) }, receivedAt: 0,
      }));
      if (this.abortAfter && ++n === this.abortAfter.batches) this.abortAfter.ctl.abort();
    }
  }
  async ack(batch: RawInput[]): Promise<void> {
    this.acked.push(batch.map((r) => (r.position as { offset: string }).offset));
  }
  async close(): Promise<void> {}
}

class MetricsStore extends MemoryRecordStore {
  readonly points: MetricPoint[] = [];
  async putMetrics(points: MetricPoint[]): Promise<void> { this.points.push(...points); }
}

function pipelineFor(source: LogSource, store = new MetricsStore()) {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-ack-'));
  const config = parseConfig({ remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  return createPipeline({
    config, telemetry: new Telemetry(), source, deadLetters: new MemoryDeadLetterSink(), store, actuators: [],
    daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false,
  });
}

// Windows are 1 minute, lateness 2 minutes: an event at minute m is durable once the
// watermark (newest − 2 min) reaches the end of its window, i.e. some event at ≥ m + 3.
test('a batch is acknowledged only once every window its events fell into has closed, in order', async () => {
  const source = new FakeSource([[0, 0], [1], [5], [9]]);
  const store = new MetricsStore();
  await pipelineFor(source, store).run(new AbortController().signal);
  // After [5]: windows 0..2 closed → batches 1 and 2 acknowledged together; [5] waits for
  // [9]; [9] waits for the end of input, which flushes every window.
  assert.deepEqual(source.acked, [['0', '1', '2'], ['3'], ['4']]);
  assert.ok(store.points.length > 0, 'metric points reach a store that takes them');
});

test('on shutdown, a source that can re-deliver keeps its open windows unacknowledged', async () => {
  const ctl = new AbortController();
  const source = new FakeSource([[0], [1], [5], [9]], { batches: 3, ctl });
  await pipelineFor(source).run(ctl.signal);
  // [5] still feeds an open window: not acknowledged, read again after a restart.
  assert.deepEqual(source.acked, [['0', '1']]);
});
