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
