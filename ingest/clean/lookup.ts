/** Field lookup that treats `{"a":{"b":1}}`, `{"a.b":1}` and mixes like `{"a":{"b.c":1}}` alike. */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An alias split once, with every dotted sub-key precomputed: `keys[from][end]` is
 * parts[from..end) joined by dots. Building those strings per lookup was the top cost of
 * cleaning in bench/ingest.ts.
 */
export interface FieldPath {
  alias: string;
  parts: string[];
  keys: string[][];
}

export function compilePath(alias: string): FieldPath {
  const parts = alias.split('.');
  const keys = parts.map((_, from) => parts.map((__, end) => (end + 1 > from ? parts.slice(from, end + 1).join('.') : '')));
  return { alias, parts, keys };
}

/** The value at a dotted path, trying the longest literal key first at every level. */
export function lookupPath(obj: JsonObject, path: FieldPath, from = 0): unknown {
  const n = path.parts.length;
  const row = path.keys[from] as string[];
  for (let end = n; end > from; end--) {
    const key = row[end - 1] as string;
    const v = obj[key];
    if (v === undefined || !Object.hasOwn(obj, key)) continue;
    if (end === n) return v;
    if (isPlainObject(v)) {
      const inner = lookupPath(v, path, end);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

export interface Resolved {
  alias: string;
  value: unknown;
}

/**
 * The first alias whose value is present and not a plain object. An object is a container
 * (`"service": {"name": ...}`), so the search goes on to the next alias (`service.name`).
 */
export function resolve(obj: JsonObject, aliases: readonly FieldPath[]): Resolved | undefined {
  for (const a of aliases) {
    const v = lookupPath(obj, a);
    if (v === undefined || v === null || isPlainObject(v)) continue;
    return { alias: a.alias, value: v };
  }
  return undefined;
}

/** A compiled alias with its place in an `AliasIndex`. */
export interface SlottedPath extends FieldPath {
  slot: number;
}

/**
 * Which aliases an object can hold, from ONE pass over its own keys. Every dotted prefix of
 * every alias (`service`, `service.name` for `service.name`) maps to the aliases it starts;
 * an alias none of whose prefixes is an own key of the object is absent without a lookup,
 * and one whose whole name is a key has its value already. Only an alias reached through a
 * nested object (`{"service":{"name":…}}`) still goes through `lookupPath`.
 *
 * Looking every alias up in turn was ~20 keyed property loads per line, most of them
 * misses, 22 % of the cleaner's profile (issue #16); `get` returns exactly what
 * `lookupPath` does: `lookupPath` reads only own keys that are prefixes of the alias.
 *
 * Holds the values of the object last scanned (`scan` then `get`, one object at a time)
 * until the next scan: one line's worth, bounded by the line size limit.
 */
export class AliasIndex {
  /** Own key -> codes `slot * 2 + (1 if the key is the whole alias)`. */
  private readonly prefixes = new Map<string, number[]>();
  private readonly seen: Int32Array;
  private readonly wholeSeen: Int32Array;
  private readonly whole: unknown[];
  private gen = 0;

  constructor(paths: readonly SlottedPath[]) {
    let slots = 0;
    for (const p of paths) {
      slots = Math.max(slots, p.slot + 1);
      const row = p.keys[0] as string[];
      for (let end = 1; end <= p.parts.length; end++) {
        const key = row[end - 1] as string;
        const code = p.slot * 2 + (end === p.parts.length ? 1 : 0);
        const list = this.prefixes.get(key);
        if (list === undefined) this.prefixes.set(key, [code]);
        else if (!list.includes(code)) list.push(code);
      }
    }
    this.seen = new Int32Array(slots);
    this.wholeSeen = new Int32Array(slots);
    this.whole = new Array<unknown>(slots).fill(undefined);
  }

  /** Reads `obj`'s own keys (`keys` = `Object.keys(obj)`) for the `get`s that follow. */
  scan(obj: JsonObject, keys: readonly string[]): void {
    if (++this.gen === 0x7fffffff) {
      this.seen.fill(0);
      this.wholeSeen.fill(0);
      this.gen = 1;
    }
    const gen = this.gen;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const codes = this.prefixes.get(key);
      if (codes === undefined) continue;
      for (let j = 0; j < codes.length; j++) {
        const code = codes[j] as number;
        const slot = code >> 1;
        this.seen[slot] = gen;
        if ((code & 1) === 1) {
          this.wholeSeen[slot] = gen;
          this.whole[slot] = obj[key];
        }
      }
    }
  }

  /** `lookupPath(obj, path)` for the object last scanned. */
  get(obj: JsonObject, path: SlottedPath): unknown {
    const slot = path.slot;
    if (this.seen[slot] !== this.gen) return undefined;
    // The longest literal key is tried first, and at the top that is the whole alias.
    if (this.wholeSeen[slot] === this.gen) return this.whole[slot];
    return lookupPath(obj, path);
  }
}
