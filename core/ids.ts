import { createHash } from 'node:crypto';

/** A short stable id from its parts: same inputs, same id, across restarts and replays. */
export function stableId(prefix: string, ...parts: Array<string | number>): string {
  const h = createHash('sha256');
  for (const p of parts) { h.update(String(p)); h.update('\u0000'); }
  return `${prefix}-${h.digest('hex').slice(0, 20)}`;
}
