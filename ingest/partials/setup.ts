/**
 * Whether a Kafka source runs in two stages over the partials topic (docs/streaming.md),
 * decided at start: `partials: on`, or `auto` with source topics of more than one partition.
 */
import type { Kafka } from 'kafkajs';
import { ForesightError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { KafkaSourceConfig } from '../sources/kafka/config.ts';
import type { KafkaHealth } from '../sources/kafka/health.ts';
import { partitionKeyOf } from '../sources/kafka/partitions.ts';
import { PartialsPublisher } from './publisher.ts';
import { LogEnds, type LogEndLookup } from '../sources/kafka/ends.ts';

export interface StreamsSetup {
  /** The partials topic, read by the same consumer besides the source topics. */
  topic: string;
  /** Its partition count (the source's largest). */
  partitions: number;
  /** Every source partition's key (all partitions of the source topics): stage two waits for each. */
  sources: string[];
  publisher: PartialsPublisher;
  /**
   * Source partitions' log ends, looked up now: stage two checks an idle source partition
   * against it before closing windows past that partition's own watermark.
   */
  logEnds: LogEndLookup;
  /** The admin connection behind `logEnds`, shared with the Kafka source (one per daemon). */
  ends: LogEnds;
  /** Closes the publisher and the look-up connection. */
  close(): Promise<void>;
}

export function partialsTopicOf(cfg: KafkaSourceConfig): string {
  return cfg.partialsTopic ?? `${cfg.groupId}-partials`;
}

/** Undefined: one process does everything (`off`, or `auto` on a single partition). */
export async function setUpStreams(cfg: KafkaSourceConfig, kafka: Kafka, health: KafkaHealth, log: Logger): Promise<StreamsSetup | undefined> {
  if (cfg.partials === 'off') return undefined;
  const admin = kafka.admin();
  let counts: Array<{ topic: string; partitions: number }>;
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = cfg.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // The source waits for a missing topic (item 4 of #9); how many partitions it will have is unknown.
      if (cfg.partials === 'on') throw new ForesightError('SOURCE_FAILED', `source.kafka.partials is on but topic ${missing.join(', ')} does not exist yet: its partition count sizes the partials topic`, { retriable: true });
      log.warn({ missing }, 'source topic missing at start: running in one process (create the topic first, or set source.kafka.partials: on, to use the partials topic)');
      return undefined;
    }
    const meta = await admin.fetchTopicMetadata({ topics: cfg.topics });
    counts = meta.topics.map((t) => ({ topic: t.name, partitions: t.partitions.length }));
  } catch (err) {
    if (cfg.partials === 'on' || err instanceof ForesightError) throw err;
    log.warn({ topics: cfg.topics, err: (err as Error).message }, 'source topic metadata unavailable at start: running in one process (set source.kafka.partials: on to use the partials topic regardless)');
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const total = counts.reduce((a, c) => a + c.partitions, 0);
  if (cfg.partials === 'auto' && total <= 1) return undefined;
  const partitions = Math.max(...counts.map((c) => c.partitions));
  const topic = partialsTopicOf(cfg);
  const sources = counts.flatMap((c) => Array.from({ length: c.partitions }, (_, i) => partitionKeyOf(c.topic, i)));
  const publisher = new PartialsPublisher(kafka, topic, partitions, health);
  await publisher.start();
  log.info({ partialsTopic: topic, partitions, sources: sources.length }, 'two stages: partials of each source partition\'s windows go to the partials topic; the instance holding a partials partition merges its services');
  const ends = new LogEnds(kafka);
  return { topic, partitions, sources, publisher, logEnds: ends.of, ends, close: async () => { await publisher.close(); await ends.close(); } };
}
