import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, ForesightError, isRetriable } from '../../../core/errors.ts';
import { DEAD_LETTER_REASONS } from '../../../ingest/types.ts';

test('docs/errors.md lists exactly the codes in core/errors.ts, with the same text', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(Object.fromEntries(rows), { ...ERROR_CODES });
});

test('docs/errors.md lists exactly the dead-letter reasons', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const reasons = [...doc.matchAll(/^\| `([a-z_]+)` \| .+ \|$/gm)].map((m) => m[1]);
  assert.deepEqual([...reasons].sort(), [...DEAD_LETTER_REASONS].sort());
});

test('ForesightError keeps code, retriable and cause', () => {
  const cause = new Error('socket hang up');
  const e = new ForesightError('SINK_UNAVAILABLE', 'bulk failed', { retriable: true, cause });
  assert.equal(e.code, 'SINK_UNAVAILABLE');
  assert.equal(e.retriable, true);
  assert.equal(e.cause, cause);
  assert.equal(isRetriable(e), true);
  assert.equal(isRetriable(new ForesightError('USAGE', 'x')), false);
});
