import { z } from 'zod';

/** Options of one simulator run. Unknown keys are rejected; defaults live here only. */
export const simulatorOptionsSchema = z.strictObject({
  /** Seed of every random draw; falls back to the scenario's seed, then 1. */
  seed: z.number().int().optional(),
  /** Simulated epoch ms of the first step; fixed by default so runs are reproducible. */
  startTime: z.number().int().default(Date.UTC(2026, 0, 1)),
  stepMs: z.number().int().min(1000).max(60_000).default(10_000)
    .refine((v) => 60_000 % v === 0, 'must divide one minute (e.g. 5000, 10000, 15000)'),
  /** Cap on sampled request lines per service per step; at peak diurnal load about half of it is used. 0 = truth only. */
  maxLinesPerServicePerStep: z.number().int().min(0).max(100_000).default(40),
  /** Time a scaled-out replica takes before it serves traffic. */
  scaleOutWarmupMs: z.number().int().min(0).max(3_600_000).default(150_000),
  /** Past the scenario's duration: replay its incidents again ('loop') or run without incidents ('steady'). */
  afterEnd: z.enum(['loop', 'steady']).default('loop'),
});

export type SimulatorOptionsInput = z.input<typeof simulatorOptionsSchema>;
export type SimulatorOptions = z.output<typeof simulatorOptionsSchema>;
