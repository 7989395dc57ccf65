import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, where package.json and the files that are not TypeScript live (the
 * embedded config, scenarios, page assets). The sources run from <root>/<dir>/x.ts and
 * the build from <root>/dist/<dir>/x.js, so such files are found from the root rather
 * than next to the module; dist/ holds only compiled JavaScript.
 */
function findRoot(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${here}`);
  }
}

export const PACKAGE_ROOT: string = findRoot();

/** A file of the package, e.g. `packagePath('daemon', 'embedded.yaml')`. */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}
