import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import YAML from 'yaml';
import { ForesightError } from '../../../core/errors.ts';
import { packagePath } from '../../../core/paths.ts';
import { scenarioSchema, type Scenario } from './scenario.ts';
import { formatIssues } from './validate.ts';

/** Built-in scenarios ship as JSON files in ./scenarios/ (read from the sources, also when running dist/). */
const BUILTIN_DIR = packagePath('ingest', 'sources', 'simulator', 'scenarios');

export function builtinScenarioNames(): string[] {
  return readdirSync(BUILTIN_DIR).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')).sort();
}

/** Validates a parsed scenario; `origin` names the file or built-in in the error. */
export function parseScenario(value: unknown, origin = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(value);
  if (!r.success) {
    throw new ForesightError('SCENARIO_INVALID', `${origin}: ${formatIssues(r.error)}`, { details: { issues: r.error.issues } });
  }
  return r.data;
}

/**
 * A built-in scenario by name (`demo`, `memory-leak`, ...) or a JSON/YAML file by path.
 * Synchronous: it runs once at start-up and the files are small.
 */
export function loadScenario(nameOrPath: string): Scenario {
  const builtins = builtinScenarioNames();
  const isBuiltin = builtins.includes(nameOrPath);
  const file = isBuiltin ? join(BUILTIN_DIR, `${nameOrPath}.json`) : nameOrPath;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ForesightError('SCENARIO_INVALID', `scenario "${nameOrPath}" is neither a built-in (${builtins.join(', ')}) nor a readable file`, { cause });
  }
  const ext = extname(file).toLowerCase();
  let value: unknown;
  try {
    // YAML is a superset of JSON, but JSON.parse gives sharper errors for .json files.
    value = ext === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ForesightError('SCENARIO_INVALID', `${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${why}`, { cause });
  }
  return parseScenario(value, isBuiltin ? `built-in scenario "${nameOrPath}"` : file);
}

export interface ScenarioSummary {
  name: string;
  description: string;
  durationMinutes: number;
  services: string[];
  incidents: string[];
}

export function listScenarios(): ScenarioSummary[] {
  return builtinScenarioNames().map((name) => {
    const s = loadScenario(name);
    return {
      name,
      description: s.description,
      durationMinutes: s.durationMinutes,
      services: s.services.map((x) => x.name),
      incidents: s.incidents.map((i) => `${i.kind} on ${i.service} at minute ${i.startMinute}`),
    };
  });
}
