/**
 * The library entry: what embedding programs and tools may rely on. The CLI
 * (bin/foresight) is the other public surface; everything else is internal.
 */
export { main } from './cli.ts';
export { loadConfig, parseConfig, configSchema, redactConfig, type Config, type ConfigInput } from './config.ts';
export { createPipeline, type Pipeline, type PipelineStatus } from './pipeline.ts';
export { ForesightError, ERROR_CODES, type ErrorCode } from '../core/errors.ts';
export type { LogEvent, MetricPoint, DeadLetter, LogSource, RawInput } from '../ingest/types.ts';
export type { Forecast, Forecaster } from '../models/types.ts';
export type { Detection } from '../detector/types.ts';
export type { ActionRecord, Actuator, RecordStore } from '../remediator/types.ts';
