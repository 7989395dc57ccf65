import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import { FileSource } from '../../../ingest/sources/file.ts';
import { StdinSource } from '../../../ingest/sources/stdin.ts';
import { FileDeadLetterSink } from '../../../ingest/deadletter/file.ts';
import { MemoryDeadLetterSink } from '../../../ingest/deadletter/memory.ts';
import type { DeadLetter, LogSource, RawInput } from '../../../ingest/types.ts';

const clock = new ManualClock(1234);
const body = '{"a":1}\r\n\n{"b":"é"}\n' + 'x'.repeat(5000) + '\n{"c":3}';

async function all(src: LogSource): Promise<RawInput[][]> {
  const out: RawInput[][] = [];
  for await (const b of src.batches(new AbortController().signal)) out.push(b);
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'foresight-ingest-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

const expected = (file: string) => [
  { text: '{"a":1}', bytes: 7, position: { kind: 'file', file, line: 1 }, receivedAt: 1234 },
  { text: '{"b":"é"}', bytes: 10, position: { kind: 'file', file, line: 3 }, receivedAt: 1234 },
  { text: 'x'.repeat(1024), bytes: 5000, position: { kind: 'file', file, line: 4 }, receivedAt: 1234 },
  { text: '{"c":3}', bytes: 7, position: { kind: 'file', file, line: 5 }, receivedAt: 1234 },
];

test('file source: plain NDJSON, CRLF, blank lines, truncation with true size, last line without newline', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'logs.ndjson');
    await writeFile(file, body);
    const src = new FileSource(file, { clock, maxLineBytes: 1024, batchSize: 3 });
    const batches = await all(src);
    assert.deepEqual(batches.map((b) => b.length), [3, 1]);
    assert.deepEqual(batches.flat(), expected(file));
    assert.equal(src.blankLines, 1);
  });
});

test('file source: gzip told by magic bytes, whatever the name', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'logs.txt');
    await writeFile(file, gzipSync(Buffer.from(body)));
    assert.deepEqual((await all(new FileSource(file, { clock, maxLineBytes: 1024 }))).flat(), expected(file));
  });
});

test('file source: a missing file is a SOURCE_FAILED error', async () => {
  await assert.rejects(all(new FileSource('/nonexistent/x.ndjson', { clock })), (err: unknown) => err instanceof ForesightError && err.code === 'SOURCE_FAILED');
});

test('stdin source: lines split across chunks, positions stdin:line', async () => {
  const input = new PassThrough();
  const src = new StdinSource({ clock, input, batchSize: 10 });
  const got = all(src);
  input.write('{"a":');
  input.write('1}\n{"b"');
  input.end(':2}\n');
  assert.deepEqual((await got).flat(), [
    { text: '{"a":1}', bytes: 7, position: { kind: 'stdin', line: 1 }, receivedAt: 1234 },
    { text: '{"b":2}', bytes: 7, position: { kind: 'stdin', line: 2 }, receivedAt: 1234 },
  ]);
});

const letter = (line: number): DeadLetter => ({ reason: 'not_json', detail: 'd', raw: 'x', rawBytes: 1, truncated: false, position: { kind: 'stdin', line }, at: 5 });

test('file dead-letter sink appends NDJSON, creates its directory, closes idempotently', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'deep', 'er', 'dead.ndjson');
    const sink = new FileDeadLetterSink(path);
    await Promise.all([sink.write([letter(1), letter(2)]), sink.write([]), sink.write([letter(3)])]);
    await sink.close();
    await sink.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetter);
    assert.deepEqual(lines, [letter(1), letter(2), letter(3)]);
    await assert.rejects(sink.write([letter(4)]), (err: unknown) => err instanceof ForesightError && err.code === 'SINK_UNAVAILABLE');
  });
});

test('file dead-letter sink failure is retriable SINK_UNAVAILABLE', async () => {
  await withDir(async (dir) => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    const sink = new FileDeadLetterSink(join(blocker, 'dead.ndjson'));
    await assert.rejects(sink.write([letter(1)]), (err: unknown) => err instanceof ForesightError && err.code === 'SINK_UNAVAILABLE' && err.retriable);
    await sink.close();
  });
});

test('memory dead-letter sink', async () => {
  const m = new MemoryDeadLetterSink();
  await m.write([letter(1)]);
  assert.deepEqual(m.letters, [letter(1)]);
});
