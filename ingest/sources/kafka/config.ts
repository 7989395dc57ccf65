import { z } from 'zod';

/**
 * Configuration of the Kafka source (`source.kafka`). Brokers may come from the
 * `KAFKA_BROKERS` environment variable (comma-separated) instead; the daemon fills them in
 * before validation, so an empty list here is only an error when neither is set.
 */

const tlsSchema = z.union([
  z.boolean(),
  z.object({
    /** PEM file paths; read at start. */
    caFile: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
    servername: z.string().min(1).optional(),
  }).strict(),
]);

const saslSchema = z.object({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z.string().min(1),
}).strict();

/**
 * Where a fresh run starts: `committed` resumes the group (earliest when it has no
 * offsets), `earliest` / `latest` reset the group, an ISO-8601 time resets it to the
 * first message at or after that time (for replays of an incident).
 */
const startSchema = z.union([
  z.enum(['committed', 'earliest', 'latest']),
  z.iso.datetime({ offset: true }),
]);

export const kafkaSourceConfigSchema = z.object({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port')).default([]),
  clientId: z.string().min(1).default('foresight'),
  topics: z.array(z.string().min(1)).min(1),
  groupId: z.string().min(1).default('foresight'),
  start: startSchema.default('committed'),
  /** Bad messages go here, with reason and source position in headers. */
  deadLetterTopic: z.string().min(1).default('foresight-dead-letters'),
  tls: tlsSchema.default(false),
  sasl: saslSchema.optional(),
  sessionTimeoutMs: z.number().int().min(6000).default(30_000),
  /** Upper bound on bytes fetched per partition per request. */
  maxBytesPerPartition: z.number().int().positive().default(1_048_576),
  connectionTimeoutMs: z.number().int().positive().default(5000),
  /**
   * Warm start: on (re)start, each partition with a committed offset is first re-read from
   * this far (by message timestamp) before that offset, so forecasters, detectors and the
   * remediator rebuild their state; those messages' effects are already recorded and are
   * not repeated. 0 disables it (a restart then starts the models cold). Replays never rewind.
   */
  warmupMs: z.number().int().min(0).default(7_200_000),
  /**
   * A partition with no data for this long (wall time) and nothing left to fetch stops
   * holding the event-time watermark back, so one quiet partition does not stall every
   * window; its next data makes it count again (events for windows closed meanwhile are
   * dead-lettered `too_late`).
   */
  idleMs: z.number().int().min(100).default(30_000),
  /**
   * Kafka unreachable (fetch, offset commit, dead-letter produce) is waited out: retried
   * with backoff, nothing committed, /readyz 503. After this long unreachable the daemon
   * gives up and exits 1 (KAFKA_OUTAGE); 0, the default, waits for ever.
   */
  maxOutageMs: z.number().int().min(0).default(0),
  /**
   * Two stages over Kafka (docs/streaming.md): stage one pre-aggregates each source
   * partition's windows into partials on `partialsTopic`; stage two merges them per service
   * in whichever instance of the group holds the service's partials partition, and runs the
   * models, detectors and remediator for it. `auto` turns it on when the source topics have
   * more than one partition; `off` runs everything in one process (correct for one instance,
   * or for producers that key by service).
   */
  partials: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Default `<groupId>-partials`; created with the source topic's partition count. */
  partialsTopic: z.string().min(1).optional(),
  /** How often a missing source topic is looked for again at start. */
  topicWaitMs: z.number().int().positive().default(2000),
}).strict();

export type KafkaSourceConfig = z.infer<typeof kafkaSourceConfigSchema>;

/** Parses `KAFKA_BROKERS` ("a:9092,b:9092"); undefined when unset or blank. */
export function brokersFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.KAFKA_BROKERS?.trim();
  if (!raw) return undefined;
  return raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
}
