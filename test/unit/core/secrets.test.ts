import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { safeUrl, scrubUrls } from '../../../core/secrets.ts';
import { createLogger } from '../../../core/log.ts';

test('safeUrl drops userinfo (even with @ in the password) and masks query values', () => {
  assert.equal(safeUrl('http://elastic:s3cret@es.local:9200'), 'http://[redacted]@es.local:9200');
  assert.equal(safeUrl('http://user:p@ss@host:9200/x'), 'http://[redacted]@host:9200/x');
  assert.equal(safeUrl('https://hooks.example.com/x?token=abc&v=1#f'), 'https://hooks.example.com/x?token=[redacted]&v=[redacted]#f');
  assert.equal(safeUrl('http://127.0.0.1:9200'), 'http://127.0.0.1:9200');
  assert.equal(safeUrl('http://h/a@b'), 'http://h/a@b');
});

test('scrubUrls finds URLs inside text and JSON', () => {
  assert.equal(scrubUrls('connect ECONNREFUSED for http://u:pw@h:1/ and https://x.io/ok.'), 'connect ECONNREFUSED for http://[redacted]@h:1/ and https://x.io/ok.');
  assert.equal(scrubUrls(JSON.stringify({ url: 'https://a:b@h?k=v' })), '{"url":"https://[redacted]@h?k=[redacted]"}');
  assert.equal(scrubUrls('no urls here'), 'no urls here');
});

test('the logger scrubs every line it writes, error messages included', () => {
  let out = '';
  const destination = new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString(); cb(); } });
  const log = createLogger({ destination, pretty: false });
  log.error({ err: new Error('request to http://elastic:pw-123@es:9200/_bulk failed') }, 'store unavailable at http://elastic:pw-123@es:9200');
  assert.ok(out.length > 0);
  assert.ok(!out.includes('pw-123'), out);
  assert.match(out, /\[redacted\]@es:9200/);
});
