import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { ForesightError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import type { KafkaSourceConfig } from './config.ts';

/** What a Kafka client needs to connect; shared by the source, the dead-letter sink, `produce` and `doctor`. */
export type KafkaConnection = Pick<KafkaSourceConfig, 'brokers' | 'clientId' | 'tls' | 'sasl' | 'connectionTimeoutMs'>;

function tlsOptions(tls: KafkaConnection['tls']): boolean | ConnectionOptions {
  if (typeof tls === 'boolean') return tls;
  const read = (p: string | undefined): string | undefined => {
    if (p === undefined) return undefined;
    try {
      return readFileSync(p, 'utf8');
    } catch (err) {
      throw new ForesightError('CONFIG_INVALID', `cannot read TLS file ${p}`, { cause: err });
    }
  };
  return { ca: read(tls.caFile), cert: read(tls.certFile), key: read(tls.keyFile), rejectUnauthorized: tls.rejectUnauthorized, servername: tls.servername };
}

function saslOptions(sasl: KafkaConnection['sasl']): SASLOptions | undefined {
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

/** kafkajs's own log lines go to our logger at one level lower, so they never drown ours. */
function logCreator(log: Logger | undefined) {
  return () => ({ namespace, level, log: entry }: LogEntry) => {
    if (!log) return;
    const { message, ...rest } = entry;
    const detail = { kafkajs: namespace, ...rest };
    if (level === logLevel.ERROR) log.warn(detail, message);
    else log.debug(detail, message);
  };
}

export function createKafka(conn: KafkaConnection, log?: Logger): Kafka {
  if (conn.brokers.length === 0) {
    throw new ForesightError('CONFIG_INVALID', 'no Kafka brokers: set source.kafka.brokers or KAFKA_BROKERS');
  }
  const config: KafkaConfig = {
    clientId: conn.clientId,
    brokers: conn.brokers,
    connectionTimeout: conn.connectionTimeoutMs,
    ssl: tlsOptions(conn.tls),
    sasl: saslOptions(conn.sasl),
    logLevel: logLevel.WARN,
    logCreator: logCreator(log),
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 },
  };
  return new Kafka(config);
}
