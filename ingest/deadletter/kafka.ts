import { createHash } from 'node:crypto';
import type { ConfigResourceTypes, Kafka, Message, Producer } from 'kafkajs';
import { ForesightError } from '../../core/errors.ts';
import { untilDelivered, type KafkaHealth } from '../sources/kafka/health.ts';
import type { DeadLetter, DeadLetterSink } from '../types.ts';

/**
 * Dead letters produced to a Kafka topic: the raw input as the value, the reason and where
 * it came from as headers, so a consumer of the dead-letter topic can route, count and
 * re-inject without parsing. `write` resolves once every broker in the ISR has the
 * messages (acks = -1, idempotent producer), so the source may commit right after.
 *
 * Headers: foresight.reason, foresight.detail, foresight.source.topic,
 * foresight.source.partition, foresight.source.offset (or foresight.source.file /
 * foresight.source.line), foresight.raw.bytes, foresight.truncated, foresight.at, and
 * foresight.raw.sha256 when the sink itself had to cut the payload.
 *
 * Size: a write never exceeds the topic's `max.message.bytes` (read from the broker, and
 * halved again should the broker still refuse): the letters are sent in as many requests
 * as needed, one record per bad message, and a single record still over the limit keeps
 * only a prefix of its raw payload, with `foresight.truncated: true`, the original length
 * in `foresight.raw.bytes` and its SHA-256 in `foresight.raw.sha256`.
 *
 * Outages: a write that cannot reach Kafka is retried with backoff until it can (the
 * source's KafkaHealth marks the daemon unready and gives up only after maxOutageMs), so
 * the batch is never acknowledged before its dead letters are durable, and the daemon
 * never exits for it. Requests already accepted are not sent again.
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

/** Used until the broker says otherwise; under its default message.max.bytes (1048588). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;
/** Bytes of a produce request besides the records' keys, values and headers. */
const BATCH_OVERHEAD = 512;
/** Per-record framing (lengths, varints, attributes); generous. */
const RECORD_OVERHEAD = 64;
const MIN_LIMIT = 4096;
/** kafkajs's ConfigResourceTypes.TOPIC; the enum is not a named export of its CommonJS build. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

export interface KafkaDeadLetterSinkOptions {
  /** The source's health: outages are waited out and reported there. */
  health: KafkaHealth;
  /** Skip asking the broker (tests); otherwise the topic's max.message.bytes. */
  maxMessageBytes?: number;
}

interface Outgoing { message: Message & { value: Buffer; headers: Record<string, string> }; bytes: number }

function recordBytes(m: Outgoing['message']): number {
  let n = RECORD_OVERHEAD + m.value.length + (m.key ? Buffer.byteLength(String(m.key)) : 0);
  for (const [k, v] of Object.entries(m.headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
  return n;
}

/** The longest prefix of `buf` of at most `max` bytes that does not split a UTF-8 character. */
function utf8Prefix(buf: Buffer, max: number): Buffer {
  let end = Math.max(0, Math.min(buf.length, max));
  while (end > 0 && end < buf.length && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/** One letter as a record that fits in `limit` bytes (its payload cut, and said so, if need be). */
export function toRecord(l: DeadLetter, limit: number): Outgoing {
  const value = Buffer.from(l.raw, 'utf8');
  const message: Outgoing['message'] = {
    // Keyed by source partition so one partition's dead letters stay in order.
    key: l.position.kind === 'kafka' ? `${l.position.topic}/${l.position.partition}` : null,
    value,
    headers: deadLetterHeaders(l),
    timestamp: String(l.at),
  };
  const budget = limit - BATCH_OVERHEAD;
  let bytes = recordBytes(message);
  if (bytes > budget) {
    message.headers['foresight.truncated'] = 'true';
    message.headers['foresight.raw.sha256'] = createHash('sha256').update(value).digest('hex');
    // Detail text can be long too (it quotes the input); it goes first, then the payload.
    const detail = message.headers['foresight.detail'] ?? '';
    if (Buffer.byteLength(detail) > 1024) message.headers['foresight.detail'] = utf8Prefix(Buffer.from(detail), 1024).toString('utf8');
    const rest = recordBytes({ ...message, value: Buffer.alloc(0) });
    message.value = utf8Prefix(value, budget - rest);
    bytes = recordBytes(message);
  }
  return { message, bytes };
}

/** Consecutive records in requests of at most `limit` bytes each (at least one record per request). */
export function chunkRecords(records: readonly Outgoing[], limit: number): Outgoing[][] {
  const out: Outgoing[][] = [];
  let cur: Outgoing[] = [];
  let size = BATCH_OVERHEAD;
  for (const r of records) {
    if (cur.length > 0 && size + r.bytes > limit) { out.push(cur); cur = []; size = BATCH_OVERHEAD; }
    cur.push(r);
    size += r.bytes;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function tooLarge(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: string }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly topic: string;
  private readonly kafka: Kafka;
  private readonly health: KafkaHealth;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private limit: number | undefined;
  private closed = false;
  /** Requests sent and records truncated (status and tests). */
  readonly stats = { requests: 0, truncated: 0, refusedTooLarge: 0 };

  constructor(kafka: Kafka, topic: string, opts: KafkaDeadLetterSinkOptions) {
    this.kafka = kafka;
    this.topic = topic;
    this.health = opts.health;
    this.limit = opts.maxMessageBytes;
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

  /** The topic's max.message.bytes, asked once it exists; the default until then. */
  private async maxBytes(): Promise<number> {
    if (this.limit !== undefined) return this.limit;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: this.topic, configNames: ['max.message.bytes'] }] });
      const v = Number(r.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (Number.isFinite(v) && v > MIN_LIMIT) this.limit = v;
    } catch {
      // Not created yet (the first write creates it): the broker default applies.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return this.limit ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  async write(letters: DeadLetter[]): Promise<void> {
    if (this.closed) throw new ForesightError('SINK_UNAVAILABLE', `dead-letter topic ${this.topic}: sink is closed`);
    if (letters.length === 0) return;
    let sent = 0;
    await untilDelivered(this.health, 'deadletter', async () => {
      try {
        const producer = await this.connect();
        for (;;) {
          const limit = await this.maxBytes();
          const records = letters.slice(sent).map((l) => toRecord(l, limit));
          let refused = false;
          for (const chunk of chunkRecords(records, limit)) {
            try {
              await producer.send({ topic: this.topic, acks: -1, messages: chunk.map((c) => c.message) });
            } catch (err) {
              if (!tooLarge(err) || limit <= MIN_LIMIT) throw err;
              // The broker's limit is lower than we thought (a broker-wide message.max.bytes).
              this.stats.refusedTooLarge++;
              this.limit = Math.max(MIN_LIMIT, Math.floor(limit / 2));
              refused = true;
              break;
            }
            this.stats.requests++;
            this.stats.truncated += chunk.filter((c) => c.message.headers['foresight.raw.sha256'] !== undefined).length;
            sent += chunk.length;
          }
          if (!refused) return;
        }
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `cannot produce to dead-letter topic ${this.topic}: ${(err as Error).message}`, { retriable: true, cause: err });
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer?.disconnect().catch(() => undefined);
  }
}
