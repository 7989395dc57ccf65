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
import { FileTemplateStore, MemoryTemplateStore, type TemplateStore } from '../../../ingest/templates/store.ts';
import type { LogSource, RawInput } from '../../../ingest/types.ts';

class LinesSource implements LogSource {
  readonly name = 'lines';
  constructor(private readonly messages: string[]) {}
  async *batches(): AsyncIterable<RawInput[]> {
    if (this.messages.length === 0) return;
    yield this.messages.map((message, i) => ({
      text: JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1) + i * 20_000).toISOString(), service: 'a', level: 'info', message }),
      bytes: 10, position: { kind: 'file' as const, file: 'x', line: i + 1 }, receivedAt: 0,
    }));
  }
  async close(): Promise<void> {}
}

function run(messages: string[], templateStore: TemplateStore) {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-tpl-'));
  const config = parseConfig({ remediator: { actuators: ['log'] }, models: { tfjs: { enabled: false, modelDir: dir } }, stores: { dir } });
  const p = createPipeline({
    config, telemetry: new Telemetry(), source: new LinesSource(messages), deadLetters: new MemoryDeadLetterSink(), store: new MemoryRecordStore(), actuators: [],
    daemon: { instance: 't', version: '0', configHash: 'h' }, replay: false, templateStore,
  });
  return p.run(new AbortController().signal).then(() => p);
}

test('template state is saved when windows close and at stop, and restored at start', async () => {
  const store = new MemoryTemplateStore();
  const lines = ['user 1 logged in', 'user 2 logged in', 'cache miss for key 7', 'disk sda at 91%', 'user 3 logged in', 'cache miss for key 9'];
  await run(lines, store);
  assert.ok(store.saves >= 2, `saves ${store.saves}`);
  const first = store.snapshot;
  assert.deepEqual(first?.clusters.map((c) => c.tokens.join(' ')), ['disk sda at <*>%', 'user <*> logged in', 'cache miss for key <*>']);
  // A restart with no input keeps every template and id.
  const again = await run([], store);
  assert.equal((again.status().stages.ingest.detail as { templates: number }).templates, 3);
  assert.deepEqual(store.snapshot, first);
});

test('the file template store round-trips and a missing file is no snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-tplfile-'));
  const store = new FileTemplateStore(join(dir, 'sub', 'templates.json'));
  assert.equal(await store.load(), undefined);
  const snap = { version: 3 as const, clusters: [{ id: 't1', tokens: ['a', '<*>'], size: 3, path: ['2', 'a'] }], aliases: [{ from: 't0', to: 't1' }] };
  await store.save(snap);
  assert.deepEqual(await store.load(), snap);
});
