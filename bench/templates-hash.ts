// Output fingerprint of the template miner: a hash of everything it hands out, to check that a
// speed change leaves the output identical (compare the printed hashes before and after).
// Usage: node --import tsx bench/templates-hash.ts [DIR]
//   DIR defaults to ../shared/data/loghub next to the repository. One JSON line on stdout.
// Per set (each LogHub 2k set in DIR) and configuration (the default; `merge: false`; the
// drain3 preset with Drain3's parameters; the set's loghub preset with LogHub's parameters),
// one miner is fed the set's lines for 3 passes, then the same lines with every digit run
// replaced by other digits of the same length (seeded), plus the unit tests' merge lines: every (id, text) add() returns,
// resolve() of each id seen, templates(), snapshot() and the snapshot of a restored copy.
import { createHash } from 'node:crypto';
import { templatesSchema, type TemplatesConfig } from '../ingest/config.ts';
import { DrainMiner } from '../ingest/templates/drain.ts';
import { loadLoghubSets } from '../ingest/templates/loghub.ts';
import { DRAIN3_PARAMS, LOGHUB_PARAMS } from '../ingest/templates/presets.ts';
import { loghubDirOrExit } from './lib/data.ts';
import { varyDigits } from './lib/lines.ts';

const dir = loghubDirOrExit(process.argv[2]);

const sets = await loadLoghubSets(dir);
// The merge examples of the unit tests, so that a merge is seen with every configuration.
const MERGE = ['load hive SYSTEM into key 1', 'load hive Users into key 2', 'load hive Default into key 3', 'load hive SYSTEM into key 4'];
sets.push({ name: 'merge', contents: MERGE, eventIds: MERGE.map(() => 'E1') });
const total = createHash('sha256');
const perConfig: Record<string, string> = {};
for (const set of sets) {
  const configs: Array<[string, TemplatesConfig]> = [
    ['default', templatesSchema.parse({})],
    ['no-merge', templatesSchema.parse({ merge: false })],
    ['drain3', templatesSchema.parse({ ...DRAIN3_PARAMS, masking: 'drain3', merge: false })],
    // Merges happen on these sets only with a shallow tree (Windows: 6 aliases), evictions only
    // with a small cap.
    ['depth4', templatesSchema.parse({ depth: 4, similarity: 0.5 })],
    ['evicting', templatesSchema.parse({ maxClusters: 20 })],
  ];
  const lh = LOGHUB_PARAMS[set.name];
  if (lh) configs.push(['loghub', templatesSchema.parse({ ...lh, masking: `loghub-${set.name}`, merge: false })]);
  const varied = varyDigits(set.contents, 1);
  for (const [name, cfg] of configs) {
    const h = createHash('sha256');
    const miner = new DrainMiner(cfg);
    const ids = new Set<string>();
    for (const lines of [set.contents, set.contents, set.contents, varied]) {
      for (const l of lines) {
        const t = miner.add(l);
        ids.add(t.id);
        h.update(t.id).update('\0').update(t.text).update('\n');
      }
      h.update(`clusters ${miner.size}\n`);
    }
    for (const id of ids) h.update(`${id}->${miner.resolve(id) ?? '-'}\n`);
    for (const t of miner.templates()) h.update(`${t.id} ${t.size} ${t.text}\n`);
    const snap = JSON.stringify(miner.snapshot());
    h.update(snap);
    const copy = new DrainMiner(cfg);
    copy.restore(JSON.parse(snap) as ReturnType<DrainMiner['snapshot']>);
    h.update(JSON.stringify(copy.snapshot()));
    for (const l of set.contents.slice(0, 200)) { const t = copy.match(l); h.update(t ? `${t.id} ${t.text}\n` : '-\n'); }
    const digest = h.digest('hex');
    perConfig[`${set.name}/${name}`] = digest.slice(0, 12);
    total.update(digest);
  }
}
console.log(JSON.stringify({ bench: 'templates-hash', hash: total.digest('hex').slice(0, 16), perConfig }));
