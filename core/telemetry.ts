import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';

/**
 * The fixed set of telemetry events. Each function both counts (Prometheus) and, where a
 * person should hear of it, logs. Label values come only from bounded sets: stage names,
 * reason codes, kinds, statuses — never raw messages or service names from input, except
 * `service`, which is bounded by the configured/observed cap (see boundedService).
 */
export type Stage = 'source' | 'ingest' | 'models' | 'detector' | 'remediator' | 'sink' | 'daemon';

const MAX_SERVICE_LABELS = 200;

export class Telemetry {
  readonly registry = new Registry();
  readonly log: Logger;
  private readonly services = new Set<string>();

  private readonly linesIn = new Counter({ name: 'foresight_input_lines_total', help: 'Raw input lines or messages read', labelNames: ['source'], registers: [this.registry] });
  private readonly eventsOut = new Counter({ name: 'foresight_events_total', help: 'Clean log events passed to aggregation', registers: [this.registry] });
  private readonly deadLetters = new Counter({ name: 'foresight_dead_letters_total', help: 'Rejected inputs by reason code', labelNames: ['reason'], registers: [this.registry] });
  private readonly windows = new Counter({ name: 'foresight_windows_closed_total', help: 'Aggregation windows closed', labelNames: ['service'], registers: [this.registry] });
  private readonly detections = new Counter({ name: 'foresight_detections_total', help: 'Detections emitted', labelNames: ['kind', 'service'], registers: [this.registry] });
  private readonly actions = new Counter({ name: 'foresight_actions_total', help: 'Remediation actions by kind and status', labelNames: ['kind', 'status'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'foresight_errors_total', help: 'Errors by stage and code', labelNames: ['stage', 'code'], registers: [this.registry] });
  private readonly forecaster = new Gauge({ name: 'foresight_forecaster_in_use', help: '1 for the forecaster each service currently uses', labelNames: ['service', 'forecaster'], registers: [this.registry] });
  private readonly stageLatency = new Histogram({ name: 'foresight_stage_seconds', help: 'Time spent per handled batch by stage', labelNames: ['stage'], buckets: [0.0005, 0.002, 0.01, 0.05, 0.2, 1, 5], registers: [this.registry] });
  private readonly watermark = new Gauge({ name: 'foresight_watermark_seconds', help: 'Event-time watermark (epoch seconds)', registers: [this.registry] });
  private readonly coverage = new Gauge({ name: 'foresight_forecast_interval_coverage', help: 'Recent share of observations inside the forecast p10-p90 band (nominal 0.8), by forecaster; "published" is what the detector received', labelNames: ['forecaster'], registers: [this.registry] });
  private readonly modelEvents = new Counter({ name: 'foresight_model_events_total', help: 'TF.js model lifecycle: loaded, trial, promoted, rolled_back, load_failed, retrained, retrain_rejected, retrain_failed', labelNames: ['event'], registers: [this.registry] });

  private readonly slotsUsed = new Gauge({ name: 'foresight_forecast_services', help: 'Services holding a forecasting slot', registers: [this.registry] });
  private readonly slotsCap = new Gauge({ name: 'foresight_forecast_service_cap', help: 'Forecasting slots (models.maxServices)', registers: [this.registry] });
  private readonly slotsWaiting = new Gauge({ name: 'foresight_forecast_services_waiting', help: 'Services seen but not (yet) given a forecasting slot', registers: [this.registry] });
  private readonly statusEvicted = new Counter({ name: 'foresight_status_services_evicted_total', help: 'Services dropped from /api/status past http.statusMaxServices (least recently updated first)', registers: [this.registry] });
  private readonly slotEvents = new Counter({ name: 'foresight_forecast_slot_events_total', help: 'Forecasting slot admissions, evictions of idle services, and refusals at the cap', labelNames: ['event'], registers: [this.registry] });

  constructor(log: Logger = silentLogger, opts: { defaultMetrics?: boolean } = {}) {
    this.log = log;
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'foresight_process_' });
  }

  /** Service names come from input; past a cap they fold into one label value. */
  boundedService(service: string): string {
    if (this.services.has(service)) return service;
    if (this.services.size >= MAX_SERVICE_LABELS) return '_other';
    this.services.add(service);
    return service;
  }

  lineRead(source: string, n = 1): void { this.linesIn.inc({ source }, n); }
  eventAccepted(n = 1): void { this.eventsOut.inc(n); }
  deadLettered(reason: string): void { this.deadLetters.inc({ reason }); }
  windowClosed(service: string): void { this.windows.inc({ service: this.boundedService(service) }); }
  detected(kind: string, service: string): void { this.detections.inc({ kind, service: this.boundedService(service) }); }
  actionRecorded(kind: string, status: string): void { this.actions.inc({ kind, status }); }
  watermarkAdvanced(ts: number): void { this.watermark.set(ts / 1000); }
  stageTime(stage: Stage, seconds: number): void { this.stageLatency.observe({ stage }, seconds); }

  forecasterChosen(service: string, name: string, previous: string | undefined): void {
    const s = this.boundedService(service);
    if (previous) this.forecaster.set({ service: s, forecaster: previous }, 0);
    this.forecaster.set({ service: s, forecaster: name }, 1);
    if (previous && previous !== name) this.log.info({ service, forecaster: name, previous }, 'forecaster switched');
  }

  /** A service was given a forecasting slot, or refused one because every slot is busy. */
  serviceSlots(used: number, cap: number, waiting: number, event: 'admitted' | 'refused'): void {
    this.slotsUsed.set(used);
    this.slotsCap.set(cap);
    this.slotsWaiting.set(waiting);
    this.slotEvents.inc({ event });
  }

  /** A service dropped from /api/status past http.statusMaxServices. */
  statusServiceEvicted(): void { this.statusEvicted.inc(); }

  /** An idle service gave its forecasting slot up to a new one. */
  serviceEvicted(service: string, by: string, lastActive: number): void {
    this.slotEvents.inc({ event: 'evicted' });
    this.log.info({ stage: 'models', service, by, lastActive: new Date(lastActive).toISOString() }, 'idle service evicted from its forecasting slot');
  }

  intervalCoverage(forecaster: string, share: number): void { this.coverage.set({ forecaster }, share); }

  /** A model version was loaded, put on trial, promoted, rolled back, or a retrain ended. */
  modelEvent(event: 'loaded' | 'trial' | 'promoted' | 'rolled_back' | 'load_failed' | 'retrained' | 'retrain_rejected' | 'retrain_failed', detail: Record<string, unknown>, msg: string): void {
    this.modelEvents.inc({ event });
    const bad = event === 'rolled_back' || event === 'load_failed' || event === 'retrain_failed';
    this.log[bad ? 'warn' : 'info']({ stage: 'models', event, ...detail }, msg);
  }

  error(stage: Stage, code: string, err: unknown, msg: string): void {
    this.errors.inc({ stage, code });
    this.log.error({ stage, code, err }, msg);
  }

  warn(stage: Stage, code: string, detail: Record<string, unknown>, msg: string): void {
    this.errors.inc({ stage, code });
    this.log.warn({ stage, code, ...detail }, msg);
  }
}
