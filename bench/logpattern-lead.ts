// Minutes of warning a log_pattern detection gives before the latency breach, beside the
// breach predictor's, on the built-in suite's incident scenarios (leak, slow dependency,
// dependency outage, bad deploy). The breach start is the no-remediation arm's, as in
// `eval leadtime`; detections are the foresight arm's with the embedded profile.
// Usage: node --import tsx bench/logpattern-lead.ts   (one JSON line on stdout)
import { loadConfig } from '../daemon/config.ts';
import { evalConfig, runForesight, runNone } from '../daemon/eval/arms.ts';
import { loadSuite } from '../daemon/eval/suite.ts';
import { simulatorOptionsSchema } from '../ingest/sources/simulator/index.ts';

const wanted = /leak|dependency|bad-deploy/;
const { config: base } = loadConfig(undefined);
const warmupMs = simulatorOptionsSchema.parse({}).scaleOutWarmupMs;
const rows: Array<Record<string, unknown>> = [];
for (const { scenario } of loadSuite()) {
  if (!wanted.test(scenario.name)) continue;
  const seed = scenario.seed ?? 1;
  const none = runNone(scenario, seed);
  const fs = await runForesight(scenario, seed, evalConfig(base, scenario, warmupMs));
  for (const inc of none.truth.incidents) {
    const breachAt = inc.firstBreachAt;
    const first = (kind: string): { at: number; template?: unknown } | undefined => {
      const d = fs.detections.find((t) => t.detection.service === inc.service && t.detection.kind === kind && t.emittedAt >= inc.start && (breachAt === null || t.emittedAt < breachAt));
      return d ? { at: d.emittedAt, template: d.detection.evidence.template } : undefined;
    };
    const lp = first('log_pattern');
    const pb = first('predicted_breach');
    const lead = (x: { at: number } | undefined): number | null => (x && breachAt !== null ? Number(((breachAt - x.at) / 60_000).toFixed(1)) : null);
    rows.push({
      scenario: scenario.name, kind: inc.kind, service: inc.service, breached: breachAt !== null,
      logPatternLeadMin: lead(lp), logPatternTemplate: lp?.template ?? null, predictedBreachLeadMin: lead(pb),
      logPatternDetections: fs.detections.filter((t) => t.detection.kind === 'log_pattern' && t.detection.service === inc.service).length,
    });
  }
  process.stderr.write(`${scenario.name}: ${JSON.stringify(rows.filter((r) => r.scenario === scenario.name))}\n`);
}
console.log(JSON.stringify({ bench: 'logpattern-lead', incidents: rows }));
