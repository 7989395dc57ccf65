/** Contracts of the ingest stage (see docs/design.md "Contracts"). */

/** Where an input came from, precisely enough to find it again. */
export type SourcePosition =
  | { kind: 'file'; file: string; line: number }
  | { kind: 'stdin'; line: number }
  | { kind: 'kafka'; topic: string; partition: number; offset: string }
  | { kind: 'simulator'; seq: number };

/** One raw input as a source delivers it, before cleaning. */
export interface RawInput {
  /** The line or message body (UTF-8 text). */
  text: string;
  /** Size in bytes of the original, which may be larger than `text` if a source truncated it. */
  bytes: number;
  position: SourcePosition;
  /** When the source received it (processing time, epoch ms). */
  receivedAt: number;
  /**
   * Set by sources that decode bytes when they were not valid UTF-8: `text` then holds
   * U+FFFD replacements, so the line is dead-lettered (`bad_encoding`) rather than
   * accepted with silently altered content.
   */
  invalidUtf8?: boolean;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogTemplate {
  id: string;
  text: string;
}

export type AttrValue = string | number | boolean;

/** A cleaned log event. */
export interface LogEvent {
  /** Event time, epoch ms. */
  ts: number;
  service: string;
  level: LogLevel;
  /** Message with secrets redacted. */
  message: string;
  latencyMs?: number;
  status?: number;
  host?: string;
  route?: string;
  traceId?: string;
  template?: LogTemplate;
  /** Bounded map of further scalar fields (e.g. from `context`). */
  attrs: Record<string, AttrValue>;
}

export const DEAD_LETTER_REASONS = [
  'not_json',
  'not_object',
  'too_large',
  'no_timestamp',
  'bad_timestamp',
  'no_service',
  'bad_field_type',
  'too_late',
  'timestamp_out_of_range',
  'too_deep',
  'too_many_keys',
  'bad_encoding',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A rejected input: its raw text (or a prefix), why, and where it came from. */
export interface DeadLetter {
  reason: DeadLetterReason;
  /** Human-readable detail, e.g. which field had which type. */
  detail: string;
  /** The raw input, or its first bytes if it was huge. */
  raw: string;
  rawBytes: number;
  truncated: boolean;
  position: SourcePosition;
  /** When it was rejected (processing time, epoch ms). */
  at: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Per-service aggregate of one closed event-time window. */
export interface MetricPoint {
  service: string;
  windowStart: number;
  windowMs: number;
  /** Requests in the window: each line weighs 1 / its declared `sample_rate` (1 without one). */
  count: number;
  /** Failed requests, weighted the same way. */
  errors: number;
  errorRate: number;
  /** Null when no event in the window carried a latency. */
  latency: LatencySummary | null;
  /** Events that carried a latency. */
  latencyCount: number;
  levels: Partial<Record<LogLevel, number>>;
  topTemplates: Array<{ id: string; text: string; count: number }>;
  /**
   * Every template of the window (up to ingest.maxWindowTemplates, most frequent first) with
   * its counts and a few redacted sample messages: what log_pattern detections read.
   * Mergeable: see mergeTemplateCounts().
   */
  templates?: TemplateCount[];
}

/**
 * Clusters the miner merged: `ids` (the folded cluster's and any merged into it before) now
 * resolve to `into`, the survivor, whose template is as it was right after the merge.
 */
export interface TemplateMerge {
  ids: string[];
  into: LogTemplate;
}

export interface TemplateCount {
  id: string;
  text: string;
  count: number;
  /** Events at warn level or above. */
  warn: number;
  /** Up to SAMPLE_LINES redacted messages, first seen first. */
  samples: string[];
}

/** A source of raw inputs: file, stdin, simulator, Kafka. */
export interface LogSource {
  readonly name: string;
  /**
   * Yields batches of raw inputs. `ack(batch)` tells the source that a batch's effects are
   * durable, so it may commit offsets; sources without offsets ignore it.
   */
  batches(signal: AbortSignal): AsyncIterable<RawInput[]>;
  ack?(batch: RawInput[]): Promise<void>;
  /**
   * Partitioned sources (Kafka): the partitions assigned now, keyed as `partitionKey`
   * keys positions, and which are idle. A source may yield an empty batch when only this
   * changed, so windows held back by a partition that went idle can close.
   */
  partitions?(): ReadonlyArray<{ key: string; idle: boolean }>;
  /** False while the source cannot deliver (starting, waiting for a topic, broker outage): /readyz 503. */
  ready?(): boolean;
  close(): Promise<void>;
}

/** Where rejected input goes. */
export interface DeadLetterSink {
  write(letters: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}
