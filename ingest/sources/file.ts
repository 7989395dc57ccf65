import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ForesightError } from '../../core/errors.ts';
import type { LogSource, RawInput } from '../types.ts';
import { DEFAULT_BATCH_SIZE, lineBatches, type LineSourceOptions } from './batch.ts';

/** NDJSON file, plain or gzip (told by its magic bytes, not its name), read as a stream. */

export interface FileSourceOptions extends Partial<Omit<LineSourceOptions, 'clock'>> {
  clock: LineSourceOptions['clock'];
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export class FileSource implements LogSource {
  readonly name: string;
  /** Blank lines skipped (counted, not dead-lettered: NDJSON allows them). */
  blankLines = 0;
  private readonly path: string;
  private readonly opts: LineSourceOptions;
  private stream: Readable | undefined;
  private file: ReadStream | undefined;
  private readBytes = 0;

  constructor(path: string, opts: FileSourceOptions) {
    this.path = path;
    this.name = `file:${path}`;
    this.opts = { batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE, maxLineBytes: opts.maxLineBytes ?? 65_536, clock: opts.clock };
  }

  /** Bytes of the file read so far (compressed bytes for gzip): with the file's size, how far a replay is. */
  get bytesRead(): number {
    return this.file?.bytesRead ?? this.readBytes;
  }

  async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
    let stream: Readable;
    try {
      const gz = await isGzip(this.path);
      const file = createReadStream(this.path, { highWaterMark: 256 * 1024 });
      stream = gz ? file.pipe(createGunzip()) : file;
      this.file = file;
      if (gz) file.on('error', (err) => stream.destroy(err));
    } catch (err) {
      throw new ForesightError('SOURCE_FAILED', `cannot open ${this.path}`, { cause: err });
    }
    this.stream = stream;
    const file = this.path;
    try {
      yield* lineBatches(stream, (line) => ({ kind: 'file', file, line }), this.opts, signal, () => { this.blankLines++; });
    } catch (err) {
      if (err instanceof ForesightError) throw err;
      throw new ForesightError('SOURCE_FAILED', `reading ${this.path} failed`, { cause: err });
    } finally {
      this.readBytes = this.file?.bytesRead ?? this.readBytes;
      this.file = undefined;
      stream.destroy();
      this.stream = undefined;
    }
  }

  async close(): Promise<void> {
    this.stream?.destroy();
    this.stream = undefined;
  }
}
