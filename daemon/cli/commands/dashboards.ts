import type { Command } from 'commander';
import { examples, type CliContext } from '../context.ts';

const DEFAULT_FILE = 'dashboards/kibana/foresight.ndjson';

/** `foresight dashboards install|export`: Foresight's Kibana saved objects, in and out of Kibana. */
export default function register(program: Command, ctx: CliContext): void {
  const group = program.command('dashboards').description('Kibana saved objects: data views and the Foresight dashboards');
  group.command('install')
    .description('import the data views and dashboards into Kibana (saved-objects import API, overwriting); auth from KIBANA_API_KEY or KIBANA_USERNAME/KIBANA_PASSWORD')
    .requiredOption('--kibana <url>', 'Kibana base URL, e.g. http://localhost:5601')
    .option('--space <id>', 'Kibana space (default: the default space)')
    .option('--file <ndjson>', 'saved objects to import (default: the ones shipped with Foresight)')
    .addHelpText('after', examples([
      ['foresight dashboards install --kibana http://localhost:5601', 'data views and the two dashboards into the default space'],
      ['KIBANA_API_KEY=... foresight dashboards install --kibana https://kibana.example:5601 --space ops', 'with an API key, into the "ops" space'],
    ]))
    .action(ctx.action(async (opts: { kibana: string; space?: string; file?: string }) => {
      const { readFileSync } = await import('node:fs');
      const { importObjects } = await import('../../../dashboards/kibana/client.ts');
      const file = opts.file ?? (await import('../../../core/paths.ts')).packagePath(DEFAULT_FILE);
      const { ForesightError } = await import('../../../core/errors.ts');
      let ndjson: string;
      try { ndjson = readFileSync(file, 'utf8'); } catch (err) { throw new ForesightError('INPUT_INVALID', `cannot read ${file}`, { cause: err }); }
      const r = await importObjects({ url: opts.kibana, space: opts.space }, ndjson);
      for (const e of r.errors) ctx.io.stderr.write(`not imported: ${e}\n`);
      ctx.io.stdout.write(`imported ${r.successCount} saved objects into ${opts.kibana}${opts.space ? ` (space ${opts.space})` : ''}${r.errors.length ? `; ${r.errors.length} refused` : ''}\n`);
      return r.errors.length === 0 ? 0 : 1;
    }));
  group.command('export')
    .description('export the Foresight dashboards and everything they reference from Kibana as NDJSON')
    .requiredOption('--kibana <url>', 'Kibana base URL')
    .option('--space <id>', 'Kibana space (default: the default space)')
    .option('--out <file>', `write here instead of stdout (e.g. ${DEFAULT_FILE})`)
    .addHelpText('after', examples([
      [`foresight dashboards export --kibana http://localhost:5601 --out ${DEFAULT_FILE}`, 'after editing the dashboards in Kibana, write them back'],
    ]))
    .action(ctx.action(async (opts: { kibana: string; space?: string; out?: string }) => {
      const { writeFileSync } = await import('node:fs');
      const { exportObjects } = await import('../../../dashboards/kibana/client.ts');
      const { DASHBOARD_IDS } = await import('../../../dashboards/kibana/objects.ts');
      const ndjson = await exportObjects({ url: opts.kibana, space: opts.space }, DASHBOARD_IDS.map((id) => ({ type: 'dashboard', id })));
      const n = ndjson.trimEnd().split('\n').length;
      if (opts.out) { writeFileSync(opts.out, ndjson); ctx.io.stdout.write(`exported ${n} saved objects to ${opts.out}\n`); } else ctx.io.stdout.write(ndjson);
      return 0;
    }));
}
