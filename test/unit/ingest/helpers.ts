import { parseIngestConfig, type IngestConfig } from '../../../ingest/config.ts';
import type { LogEvent, RawInput } from '../../../ingest/types.ts';

export function raw(text: string, line = 1): RawInput {
  return { text, bytes: Buffer.byteLength(text, 'utf8'), position: { kind: 'stdin', line }, receivedAt: 0 };
}

export function config(over: Record<string, unknown> = {}): IngestConfig {
  return parseIngestConfig(over);
}

export function event(over: Partial<LogEvent> & { ts: number }): LogEvent {
  return { service: 'api', level: 'info', message: '', attrs: {}, ...over };
}
