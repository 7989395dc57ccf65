// Grouping accuracy of the Drain miner on LogHub 2k sets.
// Usage: node --import tsx bench/templates-loghub.ts [DIR]   (one JSON line on stdout)
import { templatesSchema } from '../ingest/config.ts';
import { evaluateLoghub } from '../ingest/templates/loghub.ts';

const dir = process.argv[2] ?? '/work/shared/data/loghub';
const cfg = templatesSchema.parse({});
const t0 = performance.now();
const results = await evaluateLoghub(dir, cfg);
const mean = results.reduce((s, r) => s + r.accuracy, 0) / Math.max(1, results.length);
console.log(JSON.stringify({
  bench: 'templates-loghub',
  config: cfg,
  sets: Object.fromEntries(results.map((r) => [r.set, { accuracy: Number(r.accuracy.toFixed(4)), templates: r.templates, truth: r.truthTemplates }])),
  meanAccuracy: Number(mean.toFixed(4)),
  ms: Math.round(performance.now() - t0),
}));
