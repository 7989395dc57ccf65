/**
 * The embedded default store: `actions.ndjson` and `detections.ndjson` under one directory.
 *
 * Append-only. A detection is written once per id. An action is written once per
 * (actionId, status): later states of the same action (planned → executed → verified) are
 * appended, and `readActions()` reduces by actionId to the last line, the way an
 * Elasticsearch index with `_id = actionId` keeps the last write. Ids already on disk are
 * loaded on open, so a restart or a second replay appends nothing new.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import type { Detection } from '../../detector/types.ts';
import { versionKey } from '../records.ts';
import type { ActionRecord, RecordStore } from '../types.ts';

export interface FileStoreOptions {
  /** fdatasync after each batch so a resolved put survives a power cut (default true). */
  fsync?: boolean;
  /**
   * Replays write `actions-replay.ndjson` and `detections-replay.ndjson` (like the
   * Elasticsearch `-replay` indices): ids are deterministic, so a replay of a period the
   * daemon lived through must never land on, or be deduplicated against, the live records.
   */
  replay?: boolean;
}

interface Ndjson<T> {
  items: T[];
  /** Lines that did not parse, e.g. a write torn by a crash. */
  skipped: number;
  endsClean: boolean;
}

async function readNdjson<T>(path: string): Promise<Ndjson<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], skipped: 0, endsClean: true };
    throw new ForesightError('SINK_UNAVAILABLE', `cannot read ${path}`, { cause: err });
  }
  const items: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { items.push(JSON.parse(line) as T); } catch { skipped++; }
  }
  return { items, skipped, endsClean: text.length === 0 || text.endsWith('\n') };
}

class NdjsonFile {
  private fh: FileHandle | undefined;
  private needsNewline = false;

  constructor(readonly path: string, private readonly fsync: boolean) {}

  async open(endsClean: boolean): Promise<void> {
    this.fh = await open(this.path, 'a');
    // A torn last line must not swallow the first record we append.
    this.needsNewline = !endsClean;
  }

  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (!this.fh) throw new ForesightError('SINK_UNAVAILABLE', `${this.path} is closed`);
    const text = (this.needsNewline ? '\n' : '') + lines.join('\n') + '\n';
    try {
      await this.fh.write(text);
      if (this.fsync) await this.fh.datasync();
    } catch (err) {
      throw new ForesightError('SINK_UNAVAILABLE', `cannot append to ${this.path}`, { retriable: true, cause: err });
    }
    this.needsNewline = false;
  }

  async sync(): Promise<void> { await this.fh?.datasync(); }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

export class FileRecordStore implements RecordStore {
  private readonly versions = new Set<string>();
  private readonly detectionIds = new Set<string>();
  private readonly actionsFile: NdjsonFile;
  private readonly detectionsFile: NdjsonFile;
  /** Writes are chained so concurrent callers cannot interleave or double-write an id. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  skippedLines = 0;

  private constructor(readonly dir: string, opts: FileStoreOptions) {
    const suffix = opts.replay ? '-replay' : '';
    this.actionsFile = new NdjsonFile(join(dir, `actions${suffix}.ndjson`), opts.fsync ?? true);
    this.detectionsFile = new NdjsonFile(join(dir, `detections${suffix}.ndjson`), opts.fsync ?? true);
  }

  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileRecordStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ForesightError('SINK_UNAVAILABLE', `cannot create ${dir}`, { cause: err });
    }
    const s = new FileRecordStore(dir, opts);
    const actions = await readNdjson<ActionRecord>(s.actionsFile.path);
    const detections = await readNdjson<Detection>(s.detectionsFile.path);
    for (const r of actions.items) s.versions.add(versionKey(r));
    for (const d of detections.items) s.detectionIds.add(d.id);
    s.skippedLines = actions.skipped + detections.skipped;
    await s.actionsFile.open(actions.endsClean);
    await s.detectionsFile.open(detections.endsClean);
    return s;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  putActions(records: ActionRecord[]): Promise<void> {
    return this.enqueue(async () => {
      const fresh = records.filter((r) => !this.versions.has(versionKey(r)));
      const keys = new Set<string>();
      const lines: string[] = [];
      for (const r of fresh) {
        const k = versionKey(r);
        if (keys.has(k)) continue;
        keys.add(k);
        lines.push(JSON.stringify(r));
      }
      await this.actionsFile.append(lines);
      // Marked only once on disk, so a failed write is retried by the next put.
      for (const k of keys) this.versions.add(k);
    });
  }

  putDetections(records: Detection[]): Promise<void> {
    return this.enqueue(async () => {
      const ids = new Set<string>();
      const lines: string[] = [];
      for (const d of records) {
        if (this.detectionIds.has(d.id) || ids.has(d.id)) continue;
        ids.add(d.id);
        lines.push(JSON.stringify(d));
      }
      await this.detectionsFile.append(lines);
      for (const id of ids) this.detectionIds.add(id);
    });
  }

  /** Latest state of every action, in first-seen order. */
  async readActions(): Promise<ActionRecord[]> {
    await this.tail;
    const { items } = await readNdjson<ActionRecord>(this.actionsFile.path);
    const latest = new Map<string, ActionRecord>();
    for (const r of items) latest.set(r.actionId, r);
    return [...latest.values()];
  }

  async readDetections(): Promise<Detection[]> {
    await this.tail;
    return (await readNdjson<Detection>(this.detectionsFile.path)).items;
  }

  flush(): Promise<void> {
    return this.enqueue(async () => { await this.actionsFile.sync(); await this.detectionsFile.sync(); });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.actionsFile.close();
    await this.detectionsFile.close();
  }
}

export function createFileStore(dir: string, opts?: FileStoreOptions): Promise<FileRecordStore> {
  return FileRecordStore.open(dir, opts);
}

export const openFileStore = createFileStore;
