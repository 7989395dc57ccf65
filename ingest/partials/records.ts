/**
 * What travels on the partials topic (docs/streaming.md), JSON, one record per message:
 *
 *   partial    one source partition's aggregate of a service's window so far (mergeable);
 *              published again, with more events, while the window is open there
 *   watermark  a source partition's largest event time so far and whether it is idle
 *              (with, when idle, the next offset its reader would fetch), sent to every
 *              partials partition after the partials it covers, so the reader of one
 *              partials partition knows when it has every partial of a window
 *   merge      template clusters a stage-one miner merged (the folded ids and the survivor),
 *              sent to every partials partition before the partials that carry the
 *              survivor's id, so stage two folds its template history at the same point
 *              and reads the folded ids of instances that have not merged yet as the survivor
 *
 * Services map to partials partitions by `shardOf` (FNV-1a), not by Kafka's partitioner, so
 * stage two can tell which services a partition carries (to adopt only their recorded
 * actions) without asking the producer.
 */
import type { WindowPartial } from '../window/accumulator.ts';
import type { LogTemplate } from '../types.ts';

export type PartialsRecord =
  | { kind: 'partial'; source: string; partial: WindowPartial }
  | { kind: 'watermark'; source: string; maxTs: number | null; idle: boolean; next?: string }
  | { kind: 'merge'; source: string; ids: string[]; into: LogTemplate };

/** A merge record's ids at most (a merge folds a few clusters; more is not this version's). */
const MAX_MERGE_IDS = 10_000;

const VERSION = 1;

export function encodeRecord(r: PartialsRecord): string {
  return JSON.stringify({ v: VERSION, ...r });
}

/** Undefined for anything this version did not write (counted by the caller, never fatal). */
export function decodeRecord(text: string): PartialsRecord | undefined {
  let o: unknown;
  try { o = JSON.parse(text); } catch { return undefined; }
  if (!o || typeof o !== 'object') return undefined;
  const r = o as { v?: unknown; kind?: unknown; source?: unknown; partial?: unknown; maxTs?: unknown; idle?: unknown; next?: unknown; ids?: unknown; into?: unknown };
  if (r.v !== VERSION || typeof r.source !== 'string') return undefined;
  if (r.kind === 'partial' && r.partial && typeof r.partial === 'object') {
    const p = r.partial as Partial<WindowPartial>;
    if (typeof p.service !== 'string' || typeof p.windowStart !== 'number' || typeof p.events !== 'number' || typeof p.count !== 'number'
      || !Array.isArray(p.templates) || typeof p.levels !== 'object' || p.levels === null) return undefined;
    return { kind: 'partial', source: r.source, partial: p as WindowPartial };
  }
  if (r.kind === 'watermark' && (r.maxTs === null || typeof r.maxTs === 'number') && typeof r.idle === 'boolean'
    && (r.next === undefined || (typeof r.next === 'string' && /^\d{1,20}$/.test(r.next)))) {
    return { kind: 'watermark', source: r.source, maxTs: r.maxTs, idle: r.idle, ...(r.next !== undefined ? { next: r.next } : {}) };
  }
  if (r.kind === 'merge' && Array.isArray(r.ids) && r.ids.length > 0 && r.ids.length <= MAX_MERGE_IDS && r.ids.every((id) => typeof id === 'string')
    && r.into && typeof r.into === 'object') {
    const into = r.into as { id?: unknown; text?: unknown };
    if (typeof into.id !== 'string' || typeof into.text !== 'string') return undefined;
    return { kind: 'merge', source: r.source, ids: r.ids as string[], into: { id: into.id, text: into.text } };
  }
  return undefined;
}

/** The partials partition a service's records go to. */
export function shardOf(service: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) {
    h ^= service.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
