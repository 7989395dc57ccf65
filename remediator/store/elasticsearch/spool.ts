import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ForesightError } from '../../../core/errors.ts';
import type { BulkOp } from './bulk.ts';

/**
 * The local spool: bulk operations Elasticsearch could not take yet, in order, as NDJSON
 * on disk (fsynced, so a spooled write is as durable as an indexed one). Draining reads
 * the whole file and sends it in order; what is left when Elasticsearch goes away again is
 * written back atomically (temp file + rename). Re-sending a drained prefix after a crash
 * is harmless: every operation is idempotent by id.
 */
export class Spool {
  readonly path: string;
  private fh: FileHandle | undefined;
  /** Operations in the file (0 means the fast path: write straight to Elasticsearch). */
  size = 0;

  constructor(path: string) {
    this.path = path;
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.size = (await this.read()).length;
  }

  async read(): Promise<BulkOp[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ForesightError('SINK_UNAVAILABLE', `cannot read spool ${this.path}`, { cause: err });
    }
    const ops: BulkOp[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      // A line torn by a crash was never acknowledged to anyone: its batch is re-read.
      try { ops.push(JSON.parse(line) as BulkOp); } catch { /* torn tail */ }
    }
    return ops;
  }

  async append(ops: BulkOp[]): Promise<void> {
    if (ops.length === 0) return;
    try {
      this.fh ??= await open(this.path, 'a');
      await this.fh.write(ops.map((o) => JSON.stringify(o)).join('\n') + '\n');
      await this.fh.datasync();
    } catch (err) {
      throw new ForesightError('SINK_UNAVAILABLE', `cannot append to spool ${this.path}`, { retriable: true, cause: err });
    }
    this.size += ops.length;
  }

  /** Replaces the spool with `rest` (what is still unsent), or removes it when empty. */
  async replace(rest: BulkOp[]): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
    if (rest.length === 0) {
      await rm(this.path, { force: true });
    } else {
      const tmp = `${this.path}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.write(rest.map((o) => JSON.stringify(o)).join('\n') + '\n');
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    }
    this.size = rest.length;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

/** Appends rejected operations (e.g. mapping conflicts) where an operator can find them. */
export async function writeRejected(path: string, entries: Array<{ op: BulkOp; status: number; error: string }>): Promise<void> {
  if (entries.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n', { flag: 'a' });
}
