import type { Kafka, Producer } from 'kafkajs';
import { ForesightError } from '../../core/errors.ts';
import type { DeadLetter, DeadLetterSink } from '../types.ts';

/**
 * Dead letters produced to a Kafka topic: the raw input as the value, the reason and where
 * it came from as headers, so a consumer of the dead-letter topic can route, count and
 * re-inject without parsing. `write` resolves once every broker in the ISR has the
 * messages (acks = -1, idempotent producer), so the source may commit right after.
 *
 * Headers: foresight.reason, foresight.detail, foresight.source.topic,
 * foresight.source.partition, foresight.source.offset (or foresight.source.file /
 * foresight.source.line), foresight.raw.bytes, foresight.truncated, foresight.at.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'foresight.reason',
  detail: 'foresight.detail',
  topic: 'foresight.source.topic',
  partition: 'foresight.source.partition',
  offset: 'foresight.source.offset',
} as const;

export function deadLetterHeaders(l: DeadLetter): Record<string, string> {
  const h: Record<string, string> = {
    [DEAD_LETTER_HEADERS.reason]: l.reason,
    [DEAD_LETTER_HEADERS.detail]: l.detail,
    'foresight.raw.bytes': String(l.rawBytes),
    'foresight.truncated': String(l.truncated),
    'foresight.at': new Date(l.at).toISOString(),
  };
  const p = l.position;
  if (p.kind === 'kafka') {
    h[DEAD_LETTER_HEADERS.topic] = p.topic;
    h[DEAD_LETTER_HEADERS.partition] = String(p.partition);
    h[DEAD_LETTER_HEADERS.offset] = p.offset;
  } else if (p.kind === 'file') {
    h['foresight.source.file'] = p.file;
    h['foresight.source.line'] = String(p.line);
  } else if (p.kind === 'stdin') {
    h['foresight.source.line'] = String(p.line);
  } else {
    h['foresight.source.seq'] = String(p.seq);
  }
  return h;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly topic: string;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private closed = false;

  constructor(kafka: Kafka, topic: string) {
    this.kafka = kafka;
    this.topic = topic;
  }

  private connect(): Promise<Producer> {
    this.connecting ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      await p.connect();
      this.producer = p;
      return p;
    })();
    this.connecting.catch(() => { this.connecting = undefined; });
    return this.connecting;
  }

  async write(letters: DeadLetter[]): Promise<void> {
    if (this.closed) throw new ForesightError('SINK_UNAVAILABLE', `dead-letter topic ${this.topic}: sink is closed`);
    if (letters.length === 0) return;
    try {
      const producer = await this.connect();
      await producer.send({
        topic: this.topic,
        acks: -1,
        messages: letters.map((l) => ({
          // Keyed by source partition so one partition's dead letters stay in order.
          key: l.position.kind === 'kafka' ? `${l.position.topic}/${l.position.partition}` : null,
          value: Buffer.from(l.raw, 'utf8'),
          headers: deadLetterHeaders(l),
          timestamp: String(l.at),
        })),
      });
    } catch (err) {
      throw new ForesightError('SINK_UNAVAILABLE', `cannot produce to dead-letter topic ${this.topic}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer?.disconnect().catch(() => undefined);
  }
}
