import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { ForesightError } from '../core/errors.ts';
import type { DeadLetterSink, LogSource } from '../ingest/types.ts';
import { systemClock } from '../core/clock.ts';
import { FileSource } from '../ingest/sources/file.ts';
import { StdinSource } from '../ingest/sources/stdin.ts';
import { FileDeadLetterSink } from '../ingest/deadletter/file.ts';
import { createSimulator, createSimulatorSource, loadScenario, type Simulator } from '../ingest/sources/simulator/index.ts';
import type { Actuator, RecordStore } from '../remediator/types.ts';
import { createActuators } from '../remediator/actuators/index.ts';
import { createFileStore } from '../remediator/store/file.ts';
import { kafkaSourceConfigSchema, type KafkaSourceConfig } from '../ingest/sources/kafka/config.ts';
import { KafkaHealth } from '../ingest/sources/kafka/health.ts';
import { setUpStreams, type StreamsSetup } from '../ingest/partials/setup.ts';
import type { Config } from './config.ts';

/**
 * Builds the side-effecting parts the config names: source, sinks, actuators. The Kafka
 * and Elasticsearch clients are imported only when the config or the replay path names
 * them, so a file replay or the embedded default never loads them.
 */
export interface Assembly {
  source: LogSource;
  simulator: Simulator | undefined;
  deadLetters: DeadLetterSink;
  store: RecordStore;
  actuators: Actuator[];
  /** Kafka sources only: outages and start-up waits, shared with the dead-letter sink. */
  kafkaHealth?: KafkaHealth;
  /** Two stages over the partials topic (Kafka source, see docs/streaming.md). */
  streams?: StreamsSetup;
}

export interface AssembleOptions {
  /** Replays read this file (or `kafka://TOPIC[?from=ISO&to=ISO]`) instead of the configured source. */
  replayPath?: string;
  storesDir?: string;
  /** Records go to the stores' replay indices (Elasticsearch). */
  replay?: boolean;
}

/** The Kafka settings a `kafka://` replay uses: the configured ones (brokers, TLS, SASL), its own topics. */
function replayKafkaConfig(config: Config, topics: string[]): KafkaSourceConfig {
  const base = config.source.kafka;
  if (base) return { ...base, topics };
  return kafkaSourceConfigSchema.parse({ topics, brokers: (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '') });
}

/**
 * The configured actuators. The simulator actuator can only act on a simulated world; on
 * other sources it is dropped (with a note) so one config serves both the embedded default
 * and replays of files. Also used by a config reload.
 */
export function buildActuators(config: Config, log: Logger, simulator: Simulator | undefined): Actuator[] {
  let names = config.remediator.actuators;
  if (!simulator && names.includes('simulator')) {
    log.info({ actuator: 'simulator' }, 'simulator actuator configured but the source is not the simulator; skipped');
    names = names.filter((n) => n !== 'simulator');
  }
  const r = config.remediator;
  return createActuators({ actuators: names, webhook: r.webhook, kubernetes: r.kubernetes, exec: r.exec, haproxy: r.haproxy }, { log: log.child({ stage: 'remediator' }), simulator: simulator?.control });
}

export async function assemble(config: Config, log: Logger, opts: AssembleOptions = {}): Promise<Assembly> {
  let source: LogSource;
  let simulator: Simulator | undefined;
  const batchSize = config.source.batchSize;
  const maxLineBytes = config.ingest.maxLineBytes;
  let kafka: { config: KafkaSourceConfig; health: KafkaHealth } | undefined;
  let streams: StreamsSetup | undefined;
  if (opts.replayPath?.startsWith('kafka://')) {
    const { KafkaSource, parseKafkaUrl } = await import('../ingest/sources/kafka/source.ts');
    const { topics, range } = parseKafkaUrl(opts.replayPath);
    const kafkaConfig = replayKafkaConfig(config, topics);
    const kafkaSource = new KafkaSource(kafkaConfig, { batchSize, maxLineBytes, clock: systemClock, log: log.child({ stage: 'source' }), replay: { ...range, slackMs: config.ingest.allowedLatenessMs } });
    kafka = { config: kafkaConfig, health: kafkaSource.health };
    source = kafkaSource;
  } else if (opts.replayPath !== undefined) {
    source = opts.replayPath === '-'
      ? new StdinSource({ batchSize, maxLineBytes, clock: systemClock })
      : new FileSource(opts.replayPath, { batchSize, maxLineBytes, clock: systemClock });
  } else if (config.source.kind === 'simulator') {
    const s = config.source.simulator;
    simulator = createSimulator(loadScenario(s.scenario), { seed: s.seed });
    source = createSimulatorSource(simulator, { speed: s.speed, minutes: s.minutes });
  } else if (config.source.kind === 'file') {
    if (!config.source.file) throw new ForesightError('CONFIG_INVALID', 'source.file.path is required for source.kind "file"');
    source = new FileSource(config.source.file.path, { batchSize, maxLineBytes, clock: systemClock });
  } else if (config.source.kind === 'kafka') {
    if (!config.source.kafka) throw new ForesightError('CONFIG_INVALID', 'source.kafka is required for source.kind "kafka"');
    const { KafkaSource } = await import('../ingest/sources/kafka/source.ts');
    const { createKafka } = await import('../ingest/sources/kafka/client.ts');
    const kafkaConfig = config.source.kafka;
    const sourceLog = log.child({ stage: 'source' });
    const client = createKafka(kafkaConfig, sourceLog);
    const health = new KafkaHealth({ maxOutageMs: kafkaConfig.maxOutageMs, log: sourceLog });
    streams = await setUpStreams(kafkaConfig, client, health, log.child({ stage: 'streams' }));
    const kafkaSource = new KafkaSource(kafkaConfig, { batchSize, maxLineBytes, clock: systemClock, log: sourceLog, kafka: client, health, internalTopics: streams ? [streams.topic] : [], regainStale: streams !== undefined, ...(streams ? { logEnds: streams.ends } : {}) });
    kafka = { config: kafkaConfig, health: kafkaSource.health };
    source = kafkaSource;
  } else {
    source = new StdinSource({ batchSize, maxLineBytes, clock: systemClock });
  }

  const dir = opts.storesDir ?? config.stores.dir;
  const actuators = buildActuators(config, log, simulator);
  let deadLetters: DeadLetterSink;
  if (kafka) {
    // Bad Kafka messages go back to Kafka, where their producers' tooling can see them.
    const { createKafka } = await import('../ingest/sources/kafka/client.ts');
    const { KafkaDeadLetterSink } = await import('../ingest/deadletter/kafka.ts');
    deadLetters = new KafkaDeadLetterSink(createKafka(kafka.config, log.child({ stage: 'deadletter' })), kafka.config.deadLetterTopic, { health: kafka.health });
  } else {
    deadLetters = new FileDeadLetterSink(join(dir, 'dead-letters.ndjson'));
  }
  let store: RecordStore;
  if (config.stores.kind === 'elasticsearch' && config.stores.elasticsearch) {
    const { createElasticsearchStore } = await import('../remediator/store/elasticsearch.ts');
    store = await createElasticsearchStore(config.stores.elasticsearch, { dir, replay: opts.replay ?? false, log: log.child({ stage: 'store' }) });
  } else {
    store = await createFileStore(dir, { replay: opts.replay ?? false });
  }
  return { source, simulator, kafkaHealth: kafka?.health, streams, deadLetters, store, actuators };
}
