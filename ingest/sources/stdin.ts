import type { Readable } from 'node:stream';
import { ForesightError } from '../../core/errors.ts';
import type { LogSource, RawInput } from '../types.ts';
import { DEFAULT_BATCH_SIZE, lineBatches, type LineSourceOptions } from './batch.ts';

/** NDJSON on standard input (or any readable, for tests). */

export interface StdinSourceOptions extends Partial<Omit<LineSourceOptions, 'clock'>> {
  clock: LineSourceOptions['clock'];
  /** Defaults to process.stdin. */
  input?: Readable;
}

export class StdinSource implements LogSource {
  readonly name = 'stdin';
  blankLines = 0;
  private readonly input: Readable;
  private readonly opts: LineSourceOptions;

  constructor(opts: StdinSourceOptions) {
    this.input = opts.input ?? process.stdin;
    this.opts = { batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE, maxLineBytes: opts.maxLineBytes ?? 65_536, clock: opts.clock };
  }

  async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
    const onAbort = (): void => { this.input.destroy(); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      yield* lineBatches(this.input, (line) => ({ kind: 'stdin', line }), this.opts, signal, () => { this.blankLines++; });
    } catch (err) {
      if (signal.aborted) return;
      throw new ForesightError('SOURCE_FAILED', 'reading stdin failed', { cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.input.pause();
  }
}
