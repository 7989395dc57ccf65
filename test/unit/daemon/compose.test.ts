import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadConfig, configSchema } from '../../../daemon/config.ts';
import { VERSIONS } from '../../../scripts/rig/versions.ts';

// docker-compose.yml cannot run here (no Docker engine); this keeps it in step with the
// config and the test rig: service names, environment names, ports and versions.
const root = new URL('../../../', import.meta.url);
const compose = YAML.parse(readFileSync(fileURLToPath(new URL('docker-compose.yml', root)), 'utf8')) as {
  services: Record<string, { image?: string; build?: string; restart?: string; command?: unknown; ports?: string[]; environment?: Record<string, string>; healthcheck?: { test: unknown }; depends_on?: Record<string, { condition: string }> }>;
};
const svc = (name: string) => {
  const s = compose.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};

test('the stack has Kafka, Elasticsearch, Kibana and the daemon, each with a healthcheck, and a one-shot that creates the topics', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['elasticsearch', 'foresight', 'kafka', 'kafka-init', 'kibana']);
  for (const [name, s] of Object.entries(compose.services)) if (name !== 'kafka-init') assert.ok(s.healthcheck?.test, `${name} has a healthcheck`);
  assert.equal(svc('foresight').build, '.');
  assert.equal(svc('foresight').restart, 'unless-stopped');
  assert.deepEqual(svc('foresight').depends_on, { kafka: { condition: 'service_healthy' }, 'kafka-init': { condition: 'service_completed_successfully' }, elasticsearch: { condition: 'service_healthy' } });
  const init = svc('kafka-init');
  assert.equal(init.image, svc('kafka').image);
  assert.deepEqual(init.depends_on, { kafka: { condition: 'service_healthy' } });
  const script = String(init.command);
  // The daemon's default source and dead-letter topics.
  const defaults = configSchema.parse({ source: { kind: 'kafka', kafka: { brokers: ['kafka:9092'], topics: ['foresight-logs'] } } }).source.kafka!;
  for (const t of [...defaults.topics, defaults.deadLetterTopic]) assert.ok(script.includes(t), `creates ${t}`);
  assert.match(script, /--if-not-exists/);
});

test('host ports are the rig\'s (Kafka 19092, Elasticsearch 19200) and the daemon\'s default HTTP port', () => {
  assert.deepEqual(svc('kafka').ports, ['19092:19092']);
  assert.match(svc('kafka').environment?.KAFKA_ADVERTISED_LISTENERS ?? '', /EXTERNAL:\/\/127\.0\.0\.1:19092/);
  assert.deepEqual(svc('elasticsearch').ports, ['19200:9200']);
  const port = configSchema.parse({}).http.port;
  assert.equal(port, 9464);
  assert.deepEqual(svc('foresight').ports, [`${port}:${port}`]);
});

test('images are the versions the rig tests against', () => {
  assert.equal(svc('kafka').image, `apache/kafka:${VERSIONS.kafka}`);
  assert.equal(svc('elasticsearch').image, `docker.elastic.co/elasticsearch/elasticsearch:${VERSIONS.elasticsearch}`);
  assert.equal(svc('kibana').image, `docker.elastic.co/kibana/kibana:${VERSIONS.elasticsearch}`);
});

test('the daemon\'s environment makes the embedded profile read Kafka and record to Elasticsearch inside the network', () => {
  const env = svc('foresight').environment ?? {};
  assert.equal(env.KAFKA_BROKERS, 'kafka:9092');
  assert.match(svc('kafka').environment?.KAFKA_LISTENERS ?? '', /INTERNAL:\/\/:9092/);
  assert.equal(env.ELASTICSEARCH_URL, 'http://elasticsearch:9200');
  const { config } = loadConfig(undefined, env);
  assert.equal(config.source.kind, 'kafka');
  assert.deepEqual(config.source.kafka?.brokers, ['kafka:9092']);
  assert.deepEqual(config.source.kafka?.topics, ['foresight-logs']);
  assert.equal(config.stores.kind, 'elasticsearch');
  assert.equal(config.stores.elasticsearch?.url, 'http://elasticsearch:9200');
  assert.equal(config.http.host, '0.0.0.0');
  assert.equal(config.http.port, 9464);
});
