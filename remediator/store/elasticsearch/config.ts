import { z } from 'zod';

/**
 * Configuration of the Elasticsearch recorder (`stores.elasticsearch`). `ELASTICSEARCH_URL`
 * sets `url` and selects this store. Secrets (password, apiKey) are masked by the daemon's
 * redactConfig; prefer `apiKey` on a real cluster.
 */
export const elasticsearchStoreConfigSchema = z.object({
  url: z.url().default('http://127.0.0.1:9200'),
  /** Indices are `<prefix>-actions-v2`, `<prefix>-detections-v2`, `<prefix>-metrics-v2` (plus `-replay` for replays; see templates.ts). */
  indexPrefix: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . -').default('foresight'),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  tls: z.object({
    caFile: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
  }).strict().optional(),
  /** `number_of_replicas` of the indices this store creates: 0 keeps a single node green; 1 or more on a cluster. */
  replicas: z.number().int().min(0).max(10).default(0),
  /** Documents per bulk request. */
  bulkMaxDocs: z.number().int().min(1).max(10_000).default(1000),
  /** Retries of one bulk (and of the items it partially refused) before the batch goes to the spool. */
  retries: z.number().int().min(0).max(10).default(3),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** How often a non-empty spool is retried while Elasticsearch is away. */
  spoolRetryMs: z.number().int().positive().default(2000),
}).strict().superRefine((c, ctx) => {
  if ((c.username === undefined) !== (c.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'username and password go together' });
  }
  if (c.apiKey !== undefined && c.username !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'give either apiKey or username/password, not both' });
  }
});

export type ElasticsearchStoreConfig = z.infer<typeof elasticsearchStoreConfigSchema>;
