// The ingest hot path as the benches measure it (clean + template + aggregate, fresh state
// each run, batches of 1,000 lines): bench/ingest.ts and bench/python-peer.ts run the same.
import { ManualClock } from '../../core/clock.ts';
import { Telemetry } from '../../core/telemetry.ts';
import { createIngest, MemoryDeadLetterSink, parseIngestConfig } from '../../ingest/index.ts';
import type { RawInput } from '../../ingest/types.ts';

const BATCH = 1000;

/** Bench lines as the ingest stage receives them from a file. */
export function rawInputs(texts: readonly string[]): RawInput[] {
  return texts.map((text, i) => ({ text, bytes: Buffer.byteLength(text), position: { kind: 'file', file: 'bench', line: i + 1 }, receivedAt: 0 }));
}

export interface IngestCounts { events: number; points: number; deadLetters: number; templates: unknown }

/** One run of a fresh ingest stage over `lines`, flushed at the end. */
export function ingestAll(lines: readonly RawInput[]): IngestCounts {
  const ingest = createIngest(parseIngestConfig({}), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
  let events = 0, points = 0, deadLetters = 0;
  for (let i = 0; i < lines.length; i += BATCH) {
    const out = ingest.handle(lines.slice(i, i + BATCH));
    events += out.events.length; points += out.points.length; deadLetters += out.deadLetters.length;
  }
  points += ingest.flush().length;
  return { events, points, deadLetters, templates: ingest.health().detail?.templates };
}
