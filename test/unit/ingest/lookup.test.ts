import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AliasIndex, compilePath, lookupPath, type SlottedPath } from '../../../ingest/clean/lookup.ts';
import { rng } from '../../fuzz/corpus.ts';

const ALIASES = ['service', 'service.name', 'a.b.c', 'a.b', 'a', 'event.duration', 'http.response.status_code', 'constructor', '__proto__.x', 'x.y.z.w'];
const paths: SlottedPath[] = ALIASES.map((a, slot) => ({ ...compilePath(a), slot }));

function check(index: AliasIndex, obj: Record<string, unknown>): void {
  index.scan(obj, Object.keys(obj));
  for (const p of paths) assert.deepEqual(index.get(obj, p), lookupPath(obj, p), `${p.alias} in ${JSON.stringify(obj)}`);
}

test('the alias index finds what the per-alias lookup finds: dotted, nested, mixed, shadowed', () => {
  const index = new AliasIndex(paths);
  const cases = [
    '{"service":"a"}', '{"service":{"name":"b"}}', '{"service.name":"c","service":{"name":"d"}}', '{"a.b.c":1,"a":{"b.c":2},"a.b":{"c":3}}',
    '{"a":{"b":{"c":null}},"a.b":{"c":4}}', '{"a.b":{"c":null},"a":{"b":{"c":5}}}', '{"a":{"b":{}}}', '{"a":[1]}',
    '{"http":{"response.status_code":503}}', '{"http.response":{"status_code":404}}', '{"constructor":7}', '{"toString":1}',
    '{"__proto__":{"x":1}}', '{"x":{"y.z":{"w":9}},"x.y":{"z.w":8}}', '{}',
  ];
  for (const c of cases) check(index, JSON.parse(c) as Record<string, unknown>);
  // The same index, object after object: nothing of one object is seen in the next.
  check(index, JSON.parse('{"service":"left over"}') as Record<string, unknown>);
  check(index, JSON.parse('{"other":1}') as Record<string, unknown>);
});

test('the alias index agrees with the per-alias lookup on 20,000 random objects', () => {
  const r = rng(5);
  const keys = [...new Set(ALIASES.flatMap((a) => {
    const ps = a.split('.');
    const out: string[] = [];
    for (let i = 0; i < ps.length; i++) for (let j = i + 1; j <= ps.length; j++) out.push(ps.slice(i, j).join('.'));
    return out;
  })), 'toString', 'hasOwnProperty', 'other'];
  const value = (depth: number): unknown => {
    const k = Math.floor(r() * 6);
    if (k === 0) return null;
    if (k <= 2 && depth < 4) return object(depth + 1);
    if (k === 3) return [1];
    return Math.floor(r() * 100);
  };
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = 1 + Math.floor(r() * 5); i > 0; i--) {
      Object.defineProperty(o, keys[Math.floor(r() * keys.length)] as string, { value: value(depth), enumerable: true, writable: true, configurable: true });
    }
    return o;
  };
  const index = new AliasIndex(paths);
  // Through JSON text, so `__proto__` is an own key as it is in parsed lines.
  for (let i = 0; i < 20_000; i++) check(index, JSON.parse(JSON.stringify(object(0))) as Record<string, unknown>);
});
