/** Field lookup that treats `{"a":{"b":1}}`, `{"a.b":1}` and mixes like `{"a":{"b.c":1}}` alike. */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits once per alias; callers keep the result so the hot path does not re-split. */
export function splitPath(alias: string): string[] {
  return alias.split('.');
}

/** The value at a dotted path, trying the longest literal key first at every level. */
export function lookupPath(obj: JsonObject, parts: readonly string[], from = 0): unknown {
  for (let end = parts.length; end > from; end--) {
    const key = end - from === 1 ? (parts[from] as string) : parts.slice(from, end).join('.');
    if (!Object.hasOwn(obj, key)) continue;
    const v = obj[key];
    if (end === parts.length) return v;
    if (isPlainObject(v)) {
      const inner = lookupPath(v, parts, end);
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
export function resolve(obj: JsonObject, aliases: ReadonlyArray<{ alias: string; parts: string[] }>): Resolved | undefined {
  for (const a of aliases) {
    const v = lookupPath(obj, a.parts);
    if (v === undefined || v === null || isPlainObject(v)) continue;
    return { alias: a.alias, value: v };
  }
  return undefined;
}

/** The top-level key an alias consumes, so it is not repeated in `attrs`. */
export function rootKeyOf(obj: JsonObject, parts: readonly string[]): string | undefined {
  for (let end = parts.length; end > 0; end--) {
    const key = parts.slice(0, end).join('.');
    if (Object.hasOwn(obj, key)) return key;
  }
  return undefined;
}
