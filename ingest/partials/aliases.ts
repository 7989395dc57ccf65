/**
 * Stage two's view of template merges (the `merge` records of the partials topic): each folded
 * id → the survivor's template. Stage-one instances often mine a template into the same id (a
 * cluster's id is derived from the tokens of its first line) but merge at different times, so
 * one that has not merged yet still sends a folded id: it is read as the survivor, and its
 * counts join the survivor's in the window. Merges are rare (a cluster is created once); the
 * map is bounded all the same, oldest first out, after which a folded id reads as itself again
 * (a template of its own, as before merges were published).
 */
import type { LogTemplate, MetricPoint, TemplateMerge } from '../types.ts';
import { resolvePointTemplates } from '../window/accumulator.ts';

export class TemplateAliases {
  private readonly to = new Map<string, LogTemplate>();
  /** Each survivor's current template (its text has `<*>` where the folded ones differed). */
  private readonly survivors = new Map<string, LogTemplate>();

  constructor(private readonly max = 100_000) {}

  get size(): number {
    return this.to.size;
  }

  /** Learns a merge (again, from every instance that made it: the same result). */
  learn(m: TemplateMerge): void {
    for (const id of m.ids) {
      if (id === m.into.id) continue;
      this.to.delete(id);
      this.to.set(id, m.into);
    }
    // Ids folded earlier into one now folded follow it.
    const folded = new Set(m.ids);
    for (const [id, t] of this.to) if (folded.has(t.id)) this.to.set(id, m.into);
    this.to.delete(m.into.id);
    for (const id of folded) this.survivors.delete(id);
    this.survivors.delete(m.into.id);
    this.survivors.set(m.into.id, m.into);
    while (this.to.size > this.max) this.to.delete(this.to.keys().next().value as string);
    while (this.survivors.size > this.max) this.survivors.delete(this.survivors.keys().next().value as string);
  }

  /** The survivor an id is read as, or undefined when it was not folded. */
  resolve(id: string): LogTemplate | undefined {
    return this.to.get(id);
  }

  /**
   * A window stage two closed, with its folded ids' counts under their survivors (itself when
   * none is folded). At the close, not when a partial arrives: a partial taken in before the
   * merge record (a window still open on another source partition) holds the folded ids too.
   */
  point(p: MetricPoint, topTemplates: number): MetricPoint {
    if (this.to.size === 0) return p;
    return resolvePointTemplates(p, (id) => this.to.get(id) ?? this.survivors.get(id), topTemplates);
  }
}
