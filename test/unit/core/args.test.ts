import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, intFlag } from '../../../daemon/args.ts';

test('parses declared flags in both spellings and keeps positionals', () => {
  const r = parseArgs(['f.ndjson', '--speed', '10', '--report=r.json', '--live'], { speed: 'string', report: 'string', live: 'boolean' }, 'replay');
  assert.deepEqual(r, { positional: ['f.ndjson'], flags: { speed: '10', report: 'r.json', live: true } });
});

test('rejects unknown flags, missing values and values on booleans', () => {
  assert.throws(() => parseArgs(['--sped', '1'], { speed: 'string' }, 'replay'), /unknown option --sped/);
  assert.throws(() => parseArgs(['--speed'], { speed: 'string' }, 'replay'), /--speed needs a value/);
  assert.throws(() => parseArgs(['--live=yes'], { live: 'boolean' }, 'replay'), /takes no value/);
});

test('intFlag rejects non-integers', () => {
  assert.equal(intFlag('7', 'seed', 1), 7);
  assert.equal(intFlag(undefined, 'seed', 1), 1);
  assert.throws(() => intFlag('7.5', 'seed', 1), /--seed must be an integer/);
});
