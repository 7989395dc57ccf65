/**
 * Time as the pipeline sees it. Live runs use wall time; replays and the simulator drive an
 * event-time clock forward from the data, so detectors and guardrails (cooldowns, hourly
 * caps) behave the same at any replay speed.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock advanced by the caller (replays, simulator, tests). Never moves backwards. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = 0) { this.t = start; }
  now(): number { return this.t; }
  advanceTo(t: number): void { if (t > this.t) this.t = t; }
  advanceBy(ms: number): void { this.t += ms; }
}
