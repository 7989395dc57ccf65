// Rewrites README.md's commands table from the CLI's own definitions (daemon/cli/markdown.ts).
// Usage: node --import tsx scripts/readme-commands.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { buildProgram } from '../daemon/cli.ts';
import { commandsTable, withCommandsTable } from '../daemon/cli/markdown.ts';

const file = new URL('../README.md', import.meta.url);
const table = commandsTable(buildProgram({ io: { stdout: process.stdout, stderr: process.stderr }, action: () => async () => undefined }));
writeFileSync(file, withCommandsTable(readFileSync(file, 'utf8'), table));
process.stdout.write(`${table}\n`);
