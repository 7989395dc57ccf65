import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import type { DeadLetter, DeadLetterSink } from '../types.ts';

/**
 * Dead letters appended to an NDJSON file. `write` resolves only once the lines are on disk
 * (fsync unless disabled), so a caller may commit source offsets right after it.
 */

export interface FileDeadLetterOptions {
  /** fsync after each write; turn off only where losing the tail on a crash is acceptable. */
  sync?: boolean;
}

export class FileDeadLetterSink implements DeadLetterSink {
  readonly path: string;
  private readonly sync: boolean;
  private handle: Promise<FileHandle> | undefined;
  /** Writes are chained so lines from concurrent calls never interleave. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(path: string, opts: FileDeadLetterOptions = {}) {
    this.path = path;
    this.sync = opts.sync ?? true;
  }

  write(letters: DeadLetter[]): Promise<void> {
    if (this.closed) return Promise.reject(new ForesightError('SINK_UNAVAILABLE', `dead-letter file ${this.path} is closed`));
    if (letters.length === 0) return this.tail;
    const text = letters.map((l) => JSON.stringify(l)).join('\n') + '\n';
    const run = this.tail.then(async () => {
      try {
        const fh = await this.file();
        await fh.appendFile(text, 'utf8');
        if (this.sync) await fh.datasync();
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `cannot append to dead-letter file ${this.path}`, { retriable: true, cause: err });
      }
    });
    // A failed write must not poison the ones after it; the caller sees its own failure.
    this.tail = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    const h = this.handle;
    this.handle = undefined;
    if (h) {
      const fh = await h.catch(() => undefined);
      if (fh) { await fh.datasync().catch(() => {}); await fh.close(); }
    }
  }

  private file(): Promise<FileHandle> {
    if (!this.handle) {
      const h = (async () => {
        await mkdir(dirname(this.path), { recursive: true });
        return open(this.path, 'a');
      })();
      // Opening failed: forget it so the next write tries again.
      h.catch(() => { if (this.handle === h) this.handle = undefined; });
      this.handle = h;
    }
    return this.handle;
  }
}
