import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DrainSnapshot, DrainSnapshotV2 } from './drain.ts';

/**
 * Where the miner's state goes between runs: two methods, as Drain3's persistence
 * handlers. The daemon saves on window close (throttled) and at stop, and restores at start,
 * so template ids survive a restart.
 */
export interface TemplateStore {
  /** The last saved snapshot (version 2 if saved before clusters merged), or undefined when there is none. */
  load(): Promise<DrainSnapshot | DrainSnapshotV2 | undefined>;
  save(snapshot: DrainSnapshot): Promise<void>;
}

export class MemoryTemplateStore implements TemplateStore {
  snapshot: DrainSnapshot | DrainSnapshotV2 | undefined;
  saves = 0;
  async load(): Promise<DrainSnapshot | DrainSnapshotV2 | undefined> { return this.snapshot && structuredClone(this.snapshot); }
  async save(s: DrainSnapshot): Promise<void> { this.snapshot = structuredClone(s); this.saves++; }
}

/** One JSON file, replaced atomically (write beside, then rename). */
export class FileTemplateStore implements TemplateStore {
  constructor(private readonly path: string) {}

  async load(): Promise<DrainSnapshot | DrainSnapshotV2 | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text) as DrainSnapshot | DrainSnapshotV2;
  }

  async save(s: DrainSnapshot): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(s));
    await rename(tmp, this.path);
  }
}
