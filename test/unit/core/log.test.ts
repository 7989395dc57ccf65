import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { createLogger, routeProcessWarnings } from '../../../core/log.ts';

test("Node's own warnings become JSON log records instead of plain text on stderr", async () => {
  const dest = new PassThrough();
  let text = '';
  dest.on('data', (b: Buffer) => { text += b.toString(); });
  routeProcessWarnings(createLogger({ destination: dest, pretty: false }));
  assert.equal(process.listenerCount('warning'), 1, "Node's default printer is gone");
  const seen = once(process, 'warning');
  process.emitWarning('something is deprecated', { code: 'DEP0999', type: 'DeprecationWarning' });
  await seen;
  await new Promise((r) => setImmediate(r));
  const rec = JSON.parse(text.trim()) as { level: number; warning: string; warningCode: string; msg: string };
  assert.equal(rec.level, 40);
  assert.equal(rec.warning, 'DeprecationWarning');
  assert.equal(rec.warningCode, 'DEP0999');
  assert.equal(rec.msg, 'something is deprecated');
});
