import { statSync } from 'node:fs';
import { ForesightError } from '../core/errors.ts';
import { createKafka, produceFile, type KafkaConnection, type ProduceResult } from '../ingest/sources/kafka/index.ts';
import { brokersFromEnv, kafkaSourceConfigSchema } from '../ingest/sources/kafka/config.ts';
import { loadConfig, type Config } from './config.ts';
import { startProgress } from './progress.ts';

export interface ProduceCliOptions {
  file: string;
  topic: string;
  partitions?: number;
  configFile?: string;
  json: boolean;
}

/** Brokers and credentials for tools (`produce`, `doctor`): the configured Kafka source, else KAFKA_BROKERS. */
export function kafkaConnectionOf(config: Config, env: NodeJS.ProcessEnv = process.env): KafkaConnection | undefined {
  if (config.source.kafka && config.source.kafka.brokers.length > 0) return config.source.kafka;
  const brokers = brokersFromEnv(env);
  if (!brokers) return undefined;
  return kafkaSourceConfigSchema.parse({ brokers, topics: ['unused'] });
}

/** `foresight produce --topic T FILE`: NDJSON logs into Kafka, keyed by service. */
export async function produceCli(opts: ProduceCliOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const { config } = loadConfig(opts.configFile);
  const conn = kafkaConnectionOf(config);
  if (!conn) throw new ForesightError('USAGE', 'foresight produce: no Kafka brokers (set KAFKA_BROKERS or source.kafka.brokers)');
  const kafka = createKafka({ ...conn, clientId: `${conn.clientId}-produce` });
  const size = statSync(opts.file, { throwIfNoEntry: false })?.size ?? 0;
  let sent = 0;
  let bytes = 0;
  const progress = await startProgress({
    task: 'produce', unit: 'lines', stream: io.stderr,
    read: () => ({ done: sent, ...(size > 0 ? { fraction: Math.min(1, bytes / size) } : {}) }),
  });
  let r: ProduceResult;
  try {
    r = await produceFile(kafka, opts.file, {
      topic: opts.topic,
      serviceFields: config.ingest.fields.service,
      timeFields: config.ingest.fields.time,
      partitions: opts.partitions,
      onProgress: (n, b) => { sent = n; bytes = b; },
    });
  } finally {
    await progress.stop();
  }
  const rate = r.seconds > 0 ? Math.round(r.lines / r.seconds) : r.lines;
  io.stdout.write(`produced ${r.lines} lines to ${opts.topic} (${r.keyed} keyed by service, ${r.timed} stamped with their event time) in ${r.seconds} s, ${rate} lines/s\n`);
  if (opts.json) io.stdout.write(JSON.stringify({ topic: opts.topic, ...r, linesPerSecond: rate }) + '\n');
  return 0;
}
