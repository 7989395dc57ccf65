import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestConfigSchema, parseIngestConfig } from '../../../ingest/config.ts';

test('defaults fill every key', () => {
  const c = parseIngestConfig({});
  assert.equal(c.maxLineBytes, 65_536);
  assert.equal(c.windowMs, 60_000);
  assert.equal(c.allowedLatenessMs, 30_000);
  assert.equal(c.maxAttrs, 32);
  assert.equal(c.topTemplates, 5);
  assert.deepEqual(c.fields.time, ['timestamp', '@timestamp', 'ts', 'time']);
  assert.deepEqual(c.fields.service, ['service', 'service.name', 'app', 'context.service']);
  assert.deepEqual(c.fields.latency.at(-1), { field: 'event.duration', unit: 'ns' });
  assert.deepEqual(c.redaction, { email: true, ipv4: true, bearer: true, card: true, patterns: [] });
  assert.deepEqual(c.templates, { depth: 8, similarity: 0.6, merge: true, variableValues: 6, maxChildren: 100, maxClusters: 5000, masking: 'foresight', extraDelimiters: [], maskRules: [] });
  assert.ok(Object.isFrozen(c));
});

test('unknown keys are rejected at every level', () => {
  assert.equal(ingestConfigSchema.safeParse({ windowMS: 1 }).success, false);
  assert.equal(ingestConfigSchema.safeParse({ redaction: { emails: false } }).success, false);
  assert.equal(ingestConfigSchema.safeParse({ fields: { times: ['t'] } }).success, false);
});

test('bad user regex is caught at config time with its path', () => {
  const r = ingestConfigSchema.safeParse({ redaction: { patterns: ['ok\\d+', '(unclosed'] } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues.map((i) => i.path), [['redaction', 'patterns', 1]]);
  assert.equal(ingestConfigSchema.safeParse({ redaction: { patterns: ['x*'] } }).success, false);
});

test('cross-field rule: dead-letter prefix within maxLineBytes', () => {
  assert.equal(ingestConfigSchema.safeParse({ maxLineBytes: 1024, deadLetterPrefixBytes: 2048 }).success, false);
  assert.equal(ingestConfigSchema.safeParse({ maxLineBytes: 1024, deadLetterPrefixBytes: 512 }).success, true);
});

test('template masking: a named preset and checked rules', () => {
  assert.equal(parseIngestConfig({ templates: { masking: 'loghub-HDFS' } }).templates.masking, 'loghub-HDFS');
  assert.throws(() => parseIngestConfig({ templates: { masking: 'nope' } }));
  assert.throws(() => parseIngestConfig({ templates: { maskRules: [{ pattern: '(', name: 'X' }] } }), /invalid regular expression/);
  assert.throws(() => parseIngestConfig({ templates: { maskRules: [{ pattern: 'a*', name: 'X' }] } }), /empty string/);
});
