import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry, backoffDelay } from '../../../core/retry.ts';
import { ForesightError } from '../../../core/errors.ts';

const noSleep = async (): Promise<void> => {};

test('retries retriable failures with growing, capped, jittered delays', async () => {
  const delays: number[] = [];
  let calls = 0;
  const v = await retry(async () => { calls++; if (calls < 4) throw new Error('flaky'); return 'ok'; },
    { retries: 5, initialMs: 100, maxMs: 300, random: () => 1, sleep: noSleep, onRetry: (_e, _a, d) => delays.push(d) });
  assert.equal(v, 'ok');
  assert.deepEqual(delays, [100, 200, 300]);
});

test('stops at once on a non-retriable error and after the retry budget', async () => {
  let calls = 0;
  await assert.rejects(retry(async () => { calls++; throw new ForesightError('USAGE', 'bad'); }, { retries: 5, initialMs: 1, maxMs: 1, sleep: noSleep }), /bad/);
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(retry(async () => { calls++; throw new Error('down'); }, { retries: 2, initialMs: 1, maxMs: 1, sleep: noSleep }), /down/);
  assert.equal(calls, 3);
});

test('backoffDelay uses full jitter below the ceiling', () => {
  assert.equal(backoffDelay(3, { initialMs: 10, maxMs: 1000, random: () => 0.5 }), 40);
  assert.equal(backoffDelay(30, { initialMs: 10, maxMs: 1000, random: () => 0.999 }), 999);
});
