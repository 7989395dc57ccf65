import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A shared data set (`nab`, `loghub`): ENV when set, else the first `shared/data/NAME` found
 * walking up from the repository. The lead's checkout has it at ../shared/data, a git
 * worktree under wt/ at ../../shared/data; a bench run from either finds the same files.
 */
export function sharedData(name: string, env?: string): string {
  const fromEnv = env === undefined ? undefined : process.env[env];
  if (fromEnv) return fromEnv;
  let dir = fileURLToPath(new URL('../..', import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'data', name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return join(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'data', name);
    dir = up;
  }
}

/** The LogHub folder a bench was given (its first argument) or the shared one; exits 2 when it is missing. */
export function loghubDirOrExit(arg: string | undefined): string {
  const dir = arg ?? sharedData('loghub', 'LOGHUB_ROOT');
  if (!existsSync(dir)) {
    process.stderr.write(`no LogHub sets at ${dir}; pass the folder as the first argument\n`);
    process.exit(2);
  }
  return dir;
}
