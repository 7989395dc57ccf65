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

/** Services s0..s(n-1), one line each per minute for `minutes`; the last minute only for s0. */
class ServicesSource implements LogSource {
  readonly name = 'services';
  constructor(private readonly n: number, private readonly minutes: number) {}
  async *batches(): AsyncIterable<RawInput[]> {
    const out: RawInput[] = [];
    const T0 = Date.UTC(2026, 0, 1);
    for (let m = 0; m < this.minutes; m++) {
      for (let s = 0; s < (m === this.minutes - 1 ? 1 : this.n); s++) {
        const text = JSON.stringify({ timestamp: new Date(T0 + m * 60_000 + s).toISOString(), service: `s${s}`, level: 'info', message: 'ok', latency_ms: 10 });
        out.push({ text, bytes: text.length, position: { kind: 'file', file: 'x', line: out.length + 1 }, receivedAt: 0 });
      }
    }
    yield out;
  }
  async close(): Promise<void> {}
}

test('/api/status keeps at most http.statusMaxServices services, least recently updated evicted and counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-status-'));
  const config = parseConfig({ http: { statusMaxServices: 3 }, remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  const telemetry = new Telemetry();
  const p = createPipeline({
    config, telemetry, source: new ServicesSource(5, 4), deadLetters: new MemoryDeadLetterSink(), store: new MemoryRecordStore(), actuators: [],
    daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false,
  });
  await p.run(new AbortController().signal);
  const st = p.status();
  assert.equal(st.services, 3);
  // The last window closes for every service (s1..s4 with an idle zero point), by name, so
  // the three updated last are kept.
  assert.deepEqual(st.serviceList.map((s) => s.service), ['s2', 's3', 's4']);
  const evicted = await telemetry.registry.getSingleMetricAsString('foresight_status_services_evicted_total');
  assert.match(evicted, /foresight_status_services_evicted_total [1-9]\d*/);
  // A running daemon keeps no unbounded record lists; replays and evaluations do (keepRecords).
  assert.equal(p.detections.length, 0);
  assert.equal(p.actions.length, 0);
});

test('the status page charts keep at most http.chartMaxServices services and http.chartWindows windows each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-status-'));
  const config = parseConfig({ http: { chartMaxServices: 2, chartWindows: 10 }, remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  const p = createPipeline({
    config, telemetry: new Telemetry(), source: new ServicesSource(4, 30), deadLetters: new MemoryDeadLetterSink(), store: new MemoryRecordStore(), actuators: [],
    daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false,
  });
  await p.run(new AbortController().signal);
  const charted = p.series.list();
  assert.equal(charted.length, 2);
  assert.ok(p.series.dropped > 0, 'windows of the services past the cap are counted');
  for (const s of charted) assert.equal(p.series.get(s, 0, Number.MAX_SAFE_INTEGER)!.windows.length, 10);
});
