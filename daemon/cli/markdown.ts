import type { Command } from 'commander';

/**
 * The README's commands table, made from the CLI's own definitions (usage and
 * description of every leaf command), so the two cannot drift apart:
 * `node --import tsx scripts/readme-commands.ts` rewrites it, and a unit test fails when
 * the README is behind.
 */
export function commandsTable(program: Command): string {
  const rows: string[] = ['| command | what it does |', '|---|---|'];
  const esc = (t: string): string => t.replace(/\|/g, '\\|');
  const visit = (cmd: Command, path: string[]): void => {
    const subs = cmd.commands.filter((c) => c.name() !== 'help');
    if (subs.length > 0) {
      for (const sub of subs) visit(sub, [...path, cmd.name()]);
      return;
    }
    const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
    const opts = cmd.options.filter((o) => o.long !== '--help').map((o) => o.flags.replace(/^-\w, /, ''));
    const line = ['foresight', ...path, cmd.name(), ...args].join(' ');
    rows.push(`| \`${esc(line)}\`${opts.length ? ` ${opts.map((o) => `\`${esc(o)}\``).join(' ')}` : ''} | ${esc(cmd.description())} |`);
  };
  for (const cmd of program.commands.filter((c) => c.name() !== 'help')) visit(cmd, []);
  return rows.join('\n');
}

export const TABLE_START = '<!-- commands: generated from the CLI by scripts/readme-commands.ts -->';
export const TABLE_END = '<!-- /commands -->';

/** README text with the table between the markers replaced. */
export function withCommandsTable(readme: string, table: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README has no ${TABLE_START} … ${TABLE_END} block`);
  return `${readme.slice(0, a + TABLE_START.length)}\n${table}\n${readme.slice(b)}`;
}
