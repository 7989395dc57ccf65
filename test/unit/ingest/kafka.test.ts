import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKafkaUrl } from '../../../ingest/sources/kafka/source.ts';
import { serviceKeyOf } from '../../../ingest/sources/kafka/produce.ts';
import { brokersFromEnv, kafkaSourceConfigSchema } from '../../../ingest/sources/kafka/config.ts';
import { compilePath } from '../../../ingest/clean/lookup.ts';
import { deadLetterHeaders } from '../../../ingest/deadletter/kafka.ts';

test('kafka:// URLs: topics, from/to as epoch ms, and clear errors', () => {
  assert.deepEqual(parseKafkaUrl('kafka://logs'), { topics: ['logs'], range: {} });
  assert.deepEqual(parseKafkaUrl('kafka://a,b?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z'), {
    topics: ['a', 'b'], range: { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1, 1) },
  });
  assert.throws(() => parseKafkaUrl('kafka://logs?since=x'), /unknown parameter since/);
  assert.throws(() => parseKafkaUrl('kafka://logs?from=yesterday'), /not an ISO-8601 time/);
  assert.throws(() => parseKafkaUrl('kafka://logs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'), /to must be after from/);
  assert.throws(() => parseKafkaUrl('file:///x'), /not a kafka:\/\/ URL/);
});

test('produce keys by service through the aliases; unparseable or service-less lines get a null key', () => {
  const paths = ['service', 'service.name', 'app'].map(compilePath);
  assert.equal(serviceKeyOf('{"service":"checkout","message":"x"}', paths), 'checkout');
  assert.equal(serviceKeyOf('{"service":{"name":"orders"}}', paths), 'orders');
  assert.equal(serviceKeyOf('{"service.name":"pay"}', paths), 'pay');
  assert.equal(serviceKeyOf('{"app":"web"}', paths), 'web');
  assert.equal(serviceKeyOf('not json', paths), null);
  assert.equal(serviceKeyOf('[1,2]', paths), null);
  assert.equal(serviceKeyOf('{"service":""}', paths), null);
});

test('KAFKA_BROKERS parsing and source config rules', () => {
  assert.deepEqual(brokersFromEnv({ KAFKA_BROKERS: ' a:9092, b:9093 ,' }), ['a:9092', 'b:9093']);
  assert.equal(brokersFromEnv({ KAFKA_BROKERS: '  ' }), undefined);
  const c = kafkaSourceConfigSchema.parse({ topics: ['logs'], brokers: ['127.0.0.1:19092'] });
  assert.equal(c.groupId, 'foresight');
  assert.equal(c.start, 'committed');
  assert.equal(c.deadLetterTopic, 'foresight-dead-letters');
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: ['logs'], start: '2026-01-01T00:00:00Z' }).success, true);
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: ['logs'], start: 'yesterday' }).success, false);
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: [] }).success, false);
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: ['x'], brokers: ['no-port'] }).success, false);
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: ['x'], sasl: { mechanism: 'plain', username: 'u' } }).success, false);
  assert.equal(kafkaSourceConfigSchema.safeParse({ topics: ['x'], typo: 1 }).success, false);
});

test('dead-letter headers carry reason, detail and the Kafka position', () => {
  const h = deadLetterHeaders({
    reason: 'not_json', detail: 'Unexpected token', raw: 'oops', rawBytes: 4, truncated: false,
    position: { kind: 'kafka', topic: 'logs', partition: 2, offset: '41' }, at: Date.UTC(2026, 0, 1),
  });
  assert.deepEqual(h, {
    'foresight.reason': 'not_json', 'foresight.detail': 'Unexpected token', 'foresight.raw.bytes': '4', 'foresight.truncated': 'false',
    'foresight.at': '2026-01-01T00:00:00.000Z', 'foresight.source.topic': 'logs', 'foresight.source.partition': '2', 'foresight.source.offset': '41',
  });
});
