/**
 * One error hierarchy for the whole daemon. Every error carries a stable `code` from
 * ERROR_CODES (documented in docs/errors.md; a test keeps the two in step), whether a
 * retry may help (`retriable`), and the underlying `cause`.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'The configuration file or environment failed validation.',
  CONFIG_NOT_FOUND: 'The configuration file named on the command line does not exist.',
  SOURCE_FAILED: 'A log source (file, stdin, Kafka, simulator) failed to read.',
  KAFKA_OUTAGE: 'Kafka stayed unreachable longer than source.kafka.maxOutageMs (default: never); the daemon gives up and exits 1.',
  KAFKA_EMPTY_RANGE: 'A kafka:// replay range selected no records (no record with an event time in [from, to)).',
  SINK_UNAVAILABLE: 'A sink (Elasticsearch, dead-letter file, action store) could not be written; retried.',
  ACTUATOR_FAILED: 'An actuator could not carry out an action.',
  APPROVAL_INVALID: 'An approval or rejection named an action that is not pending (unknown, already decided, or expired).',
  UNAUTHORIZED: 'A state-changing HTTP request came without the admin bearer token, or with a wrong one.',
  NOTIFY_FAILED: 'An alert could not be delivered yet; it stays in the outbox and is retried.',
  MODEL_LOAD_FAILED: 'A saved model could not be loaded or failed its checks.',
  MODEL_BACKEND: 'The TensorFlow backend could not be initialised.',
  SCENARIO_INVALID: 'A simulator scenario file failed validation.',
  KIBANA_FAILED: 'Kibana could not be reached, or refused a saved-objects import or export.',
  USAGE: 'The command line was not understood.',
  INPUT_INVALID: 'An input file for an evaluation or replay is malformed.',
  SERVICE_CAP: 'Every forecasting slot (models.maxServices) is held by a service with recent events; a new service waits until one is idle (warning, logged once per episode).',
  INTERNAL: 'A bug: an invariant did not hold.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ForesightErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class ForesightError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: ForesightErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ForesightError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details;
  }
}

/** Whether a retry may help: our own errors say so; unknown errors count as transient. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof ForesightError) return err.retriable;
  return true;
}
