import { z } from 'zod';
import { MASK_PRESET_NAMES } from './templates/presets.ts';

/**
 * Configuration of the ingest stage (top-level key `ingest`). Defaults live here and only
 * here; unknown keys are rejected so a typo never silently falls back to a default.
 */

const alias = z.string().min(1);
const aliasList = (defaults: string[]) => z.array(alias).min(1).default(defaults);

export const LATENCY_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type LatencyUnit = (typeof LATENCY_UNITS)[number];

/** A latency field: a bare name means milliseconds; ECS `event.duration` is nanoseconds. */
const latencyAlias = z.union([
  alias,
  z.object({ field: alias, unit: z.enum(LATENCY_UNITS) }).strict(),
]);

export const fieldsSchema = z
  .object({
    time: aliasList(['timestamp', '@timestamp', 'ts', 'time']),
    service: aliasList(['service', 'service.name', 'app', 'context.service']),
    level: aliasList(['level', 'severity', 'log.level']),
    message: aliasList(['message', 'msg']),
    latency: z
      .array(latencyAlias)
      .min(1)
      .default(['latency_ms', 'duration_ms', 'response_time_ms', { field: 'event.duration', unit: 'ns' }]),
    status: aliasList(['status', 'http.response.status_code']),
    host: aliasList(['host', 'hostname', 'host.name']),
    traceId: aliasList(['trace_id', 'traceId', 'trace.id']),
    route: aliasList(['route', 'http.route', 'url.path']),
    /** Object whose scalar members become `attrs`. */
    context: aliasList(['context']),
  })
  .strict();

function validRegex(source: string): string | undefined {
  try {
    new RegExp(source, 'g');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export const redactionSchema = z
  .object({
    email: z.boolean().default(true),
    ipv4: z.boolean().default(true),
    bearer: z.boolean().default(true),
    card: z.boolean().default(true),
    /** Extra regular expressions (JavaScript syntax, applied globally); matches become `<redacted>`. */
    patterns: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    r.patterns.forEach((p, i) => {
      const problem = validRegex(p);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['patterns', i], message: `invalid regular expression: ${problem}` });
      else if (new RegExp(p).test('')) ctx.addIssue({ code: 'custom', path: ['patterns', i], message: 'pattern matches the empty string' });
    });
  });

export const templatesSchema = z
  .object({
    /** Drain tree depth as in Drain3: root, token-count layer, prefix tokens, leaf (4 = one prefix token). */
    // 5 / 0.5 rather than Drain3's 4 / 0.4: mean grouping accuracy 0.867 vs 0.788 on the
    // LogHub development split (bench/templates-loghub.ts), with neighbours of 5 / 0.5 no
    // worse than 0.80.
    depth: z.number().int().min(3).max(10).default(8),
    /** Share of equal tokens for a line to join a cluster. */
    similarity: z.number().gt(0).max(1).default(0.6),
    /** Children per tree node before new tokens fold into the wildcard branch. */
    maxChildren: z.number().int().min(2).default(100),
    /**
     * Merge sibling clusters whose templates differ only where one has `<*>` (drain.ts); the
     * merged id resolves to the survivor. Off reproduces Drain3 (the eval's preset runs).
     */
    merge: z.boolean().default(true),
    /**
     * Distinct words at one position of otherwise-matching clusters (kept apart only by that
     * word, as a constant or as a tree branch) that make the position a variable: the clusters
     * merge into one with `<*>` there (drain.ts mergeVariable; with `merge` only).
     */
    variableValues: z.number().int().min(2).default(6),
    /** Clusters kept; past it the least recently matched is forgotten. */
    maxClusters: z.number().int().min(1).default(5000),
    /**
     * Masking preset (ingest/templates/presets.ts): `foresight` (built-in classifier of
     * numbers, hex, IPs and UUIDs, no regular expressions), `drain3` (Drain3's example
     * masking), `loghub-<Set>` (the LogHub Drain benchmark's preprocessing for that set), `none`.
     */
    masking: z.enum(MASK_PRESET_NAMES as [string, ...string[]]).default('foresight'),
    /** Characters split on besides whitespace, added to the preset's (Drain3's `extra_delimiters`). */
    extraDelimiters: z.array(z.string().min(1).max(8)).default([]),
    /** Further rules applied before the preset's: matches become `<*>` (name `*`) or `<name>`. */
    maskRules: z.array(z.object({ pattern: z.string().min(1), name: z.string().min(1).max(32).regex(/^[\w*]+$/) }).strict()).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    t.maskRules.forEach((r, i) => {
      const problem = validRegex(r.pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['maskRules', i, 'pattern'], message: `invalid regular expression: ${problem}` });
      else if (new RegExp(r.pattern).test('')) ctx.addIssue({ code: 'custom', path: ['maskRules', i, 'pattern'], message: 'pattern matches the empty string' });
    });
  });

export const ingestConfigSchema = z
  .object({
    fields: fieldsSchema.prefault({}),
    /** Lines larger than this (bytes, before decoding) are dead-lettered as `too_large`. */
    maxLineBytes: z.number().int().min(256).default(65_536),
    /** Deepest nesting of objects and arrays in a line; deeper is dead-lettered as `too_deep`. */
    maxDepth: z.number().int().min(2).max(10_000).default(32),
    /** Most keys in a line, counted over every nested object; more is `too_many_keys`. */
    maxKeys: z.number().int().min(8).default(1000),
    /**
     * Longest message kept (characters); longer ones are cut (ending in `…`) before any
     * regular expression (redaction, template masking) sees them, so a custom pattern that
     * backtracks is bounded too.
     */
    maxMessageChars: z.number().int().min(64).default(8192),
    /** Latencies above this (ms) are dead-lettered as `bad_field_type`; the default is 1 h. */
    maxLatencyMs: z.number().positive().default(3_600_000),
    /**
     * Positive latencies below this (ms) enter the quantile sketch as this value (and are
     * counted): the sketch's buckets span [sketchMinMs, maxLatencyMs], so one 1e-300 cannot
     * make a window's sketch tens of thousands of buckets wide.
     */
    sketchMinMs: z.number().positive().default(0.001),
    /** Accepted HTTP status range; a status outside it is `bad_field_type`. */
    minStatus: z.number().int().min(0).default(100),
    maxStatus: z.number().int().default(599),
    /**
     * An event more than this ahead of the watermark is dead-lettered as
     * `timestamp_out_of_range` and does not move the watermark.
     */
    maxFutureSkewMs: z.number().int().positive().default(86_400_000),
    /** An event more than this behind the watermark is `timestamp_out_of_range` (not `too_late`). */
    maxPastAgeMs: z.number().int().positive().default(7 * 86_400_000),
    /**
     * A stream that really jumps ahead (a topic quiet for days) would otherwise be refused
     * forever: this many consecutive out-of-range lines agreeing with each other (within
     * maxFutureSkewMs) are believed, and the next one is accepted. One bad line never is.
     */
    timestampJumpLines: z.number().int().min(2).default(1000),
    /** How much of a rejected input a dead letter keeps. */
    deadLetterPrefixBytes: z.number().int().min(64).default(4096),
    deadLetters: z.object({
      /**
       * Run the redaction rules over a dead letter's raw text, so e-mails, bearer tokens and
       * card numbers in rejected lines do not end up in the dead-letter file or topic.
       * The text redacted is at most maxMessageChars long (the rest is cut, `truncated`).
       * Off keeps raw lines byte for byte, for replaying them after a fix.
       */
      redact: z.boolean().default(true),
    }).strict().prefault({}),
    redaction: redactionSchema.prefault({}),
    windowMs: z.number().int().positive().default(60_000),
    /**
     * Disorder tolerated inside ONE source partition (watermarks are per partition, see
     * ingest/window/watermark.ts): an event older than its partition's max event time minus
     * this, in a window already closed, is dead-lettered `too_late`. Every millisecond of it
     * delays each window's close, hence each detection. 30 s covers shippers that deliver a
     * host's lines in order in batches of seconds; raise it for sources that reorder more.
     * Chosen by `eval leadtime --folds 5 --seeds 3` (cross-validated median lead 19.0 -> 20.5,
     * p10 4.8 -> 6.3 against 120 s) and the held-out set (docs/leadtime.md).
     */
    allowedLatenessMs: z.number().int().min(0).default(30_000),
    /**
     * After a service's last event, closed windows keep emitting count-0 points for this many
     * windows (so a service that went quiet shows as zero traffic), then it is considered gone.
     */
    idleWindows: z.number().int().min(0).default(30),
    maxAttrs: z.number().int().min(0).default(32),
    /** Longest string attribute value kept (characters); longer ones are cut. */
    maxAttrChars: z.number().int().min(8).default(256),
    topTemplates: z.number().int().min(0).default(5),
    /** Templates a window's point carries with counts and sample lines (for log_pattern detections). */
    maxWindowTemplates: z.number().int().min(0).default(200),
    /** Relative accuracy of the latency quantile sketch. */
    sketchAccuracy: z.number().gt(0).lt(1).default(0.01),
    templates: templatesSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.minStatus > c.maxStatus) ctx.addIssue({ code: 'custom', path: ['minStatus'], message: 'must not exceed maxStatus' });
    // Ordinary events run up to allowedLatenessMs ahead of the watermark.
    if (c.maxFutureSkewMs <= c.allowedLatenessMs) ctx.addIssue({ code: 'custom', path: ['maxFutureSkewMs'], message: 'must exceed allowedLatenessMs' });
    if (c.sketchMinMs >= c.maxLatencyMs) ctx.addIssue({ code: 'custom', path: ['sketchMinMs'], message: 'must be below maxLatencyMs' });
    if (c.deadLetterPrefixBytes > c.maxLineBytes) {
      ctx.addIssue({ code: 'custom', path: ['deadLetterPrefixBytes'], message: 'must not exceed maxLineBytes' });
    }
  });

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type FieldsConfig = IngestConfig['fields'];
export type RedactionConfig = IngestConfig['redaction'];
export type TemplatesConfig = IngestConfig['templates'];

/** Parse and freeze; throws a ZodError listing every problem. */
export function parseIngestConfig(input: unknown): Readonly<IngestConfig> {
  return Object.freeze(ingestConfigSchema.parse(input ?? {}));
}
