import type { z } from 'zod';

/** `['services', 0, 'name']` → `services[0].name`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

/**
 * One line per problem, each naming the exact key, so a person fixing a scenario file
 * does not have to guess. Unknown keys name the key itself, not the object holding it.
 */
export function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${formatPath([...i.path, k])}: unknown key`).join('; ');
    return `${formatPath(i.path)}: ${i.message}`;
  }).join('; ');
}
