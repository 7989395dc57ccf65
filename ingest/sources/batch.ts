import type { Readable } from 'node:stream';
import type { Clock } from '../../core/clock.ts';
import type { RawInput, SourcePosition } from '../types.ts';
import { splitLines } from './lines.ts';

/** Shared by the file and stdin sources: lines to RawInput batches of at most `batchSize`. */
export interface LineSourceOptions {
  batchSize: number;
  maxLineBytes: number;
  clock: Clock;
}

export const DEFAULT_BATCH_SIZE = 1000;

export async function* lineBatches(
  stream: Readable,
  position: (line: number) => SourcePosition,
  opts: LineSourceOptions,
  signal: AbortSignal,
  onBlank: () => void,
): AsyncGenerator<RawInput[]> {
  let batch: RawInput[] = [];
  for await (const lines of splitLines(stream, opts.maxLineBytes, signal, onBlank)) {
    const now = opts.clock.now();
    for (const l of lines) {
      const input: RawInput = { text: l.text, bytes: l.bytes, position: position(l.line), receivedAt: now };
      if (l.invalidUtf8) input.invalidUtf8 = true;
      batch.push(input);
      if (batch.length >= opts.batchSize) { yield batch; batch = []; }
    }
    // Hand over what has arrived rather than wait for a full batch: a trickling stdin or a
    // quiet tail must not hold lines back.
    if (batch.length > 0 && stream.readableLength === 0) { yield batch; batch = []; }
  }
  if (batch.length > 0) yield batch;
}
