/**
 * The one shape every pipeline stage has: built by `createX(config, deps)`, started and
 * stopped by the daemon (stop is idempotent), fed through `handle`, and asked for `health`.
 */
export interface StageHealth {
  ok: boolean;
  detail?: Record<string, unknown>;
}

export interface Stage<In, Out> {
  start(): Promise<void>;
  stop(): Promise<void>;
  handle(input: In): Out;
  health(): StageHealth;
}
