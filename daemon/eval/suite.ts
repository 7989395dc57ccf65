import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import { packagePath } from '../../core/paths.ts';
import { loadScenario, type Scenario } from '../../ingest/sources/simulator/index.ts';

/** The built-in evaluation suite: scenario files kept next to the simulator's built-ins. */
export const BUILTIN_SUITE_DIR = packagePath('ingest', 'sources', 'simulator', 'scenarios', 'suite');

const SCENARIO_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

export interface SuiteEntry {
  file: string;
  scenario: Scenario;
}

/** Every scenario file (JSON or YAML) in `dir`, by file name; each is validated as it loads. */
export function loadSuite(dir: string = BUILTIN_SUITE_DIR): SuiteEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new ForesightError('USAGE', `--scenarios ${dir}: not a readable directory`, { cause });
  }
  const files = names.filter((n) => SCENARIO_EXTENSIONS.has(extname(n).toLowerCase())).sort().map((n) => join(dir, n));
  if (files.length === 0) throw new ForesightError('USAGE', `--scenarios ${dir}: no scenario files (*.json, *.yaml, *.yml)`);
  return files.map((file) => ({ file, scenario: loadScenario(file) }));
}
