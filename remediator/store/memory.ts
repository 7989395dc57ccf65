import type { Detection } from '../../detector/types.ts';
import { versionKey } from '../records.ts';
import type { ActionRecord, RecordStore } from '../types.ts';

/** In-process store for tests and library use; same idempotence as the durable stores. */
export class MemoryRecordStore implements RecordStore {
  /** Latest version of each action, by actionId. */
  readonly actions = new Map<string, ActionRecord>();
  /** Every distinct version in write order (a status change is a new version). */
  readonly history: ActionRecord[] = [];
  readonly detections = new Map<string, Detection>();
  private readonly versions = new Set<string>();

  async putActions(records: ActionRecord[]): Promise<void> {
    for (const r of records) {
      const key = versionKey(r);
      if (this.versions.has(key)) continue;
      this.versions.add(key);
      const copy = structuredClone(r);
      this.actions.set(r.actionId, copy);
      this.history.push(copy);
    }
  }

  async putDetections(records: Detection[]): Promise<void> {
    for (const d of records) if (!this.detections.has(d.id)) this.detections.set(d.id, structuredClone(d));
  }

  async readActions(): Promise<ActionRecord[]> {
    return [...this.actions.values()].map((r) => structuredClone(r));
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
