// Drain3 (PyPI) in a virtualenv under .cache/, for `eval loghub` and bench/templates-loghub.ts
// to measure it beside our miner. Never needed by the daemon. Idempotent: a no-op when the
// venv already imports drain3. Returns the venv's python, or undefined (with the reason on
// stderr) when Python or PyPI is unreachable, so callers can skip Drain3 with a note.
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export const DRAIN3_VERSION = '0.9.11';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DRAIN3_VENV = join(root, '.cache', 'drain3-venv');
export const DRAIN3_PYTHON = join(DRAIN3_VENV, 'bin', 'python');

const ok = () => existsSync(DRAIN3_PYTHON) && spawnSync(DRAIN3_PYTHON, ['-c', 'import drain3'], { stdio: 'ignore' }).status === 0;

export function ensureDrain3() {
  if (ok()) return DRAIN3_PYTHON;
  process.stderr.write(`installing drain3==${DRAIN3_VERSION} into ${DRAIN3_VENV} (once)\n`);
  const steps = [
    [process.env.PYTHON ?? 'python3', ['-m', 'venv', DRAIN3_VENV]],
    [join(DRAIN3_VENV, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', `drain3==${DRAIN3_VERSION}`]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      process.stderr.write(`drain3 not installed: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}); Drain3 columns will be skipped\n`);
      return undefined;
    }
  }
  return ok() ? DRAIN3_PYTHON : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureDrain3() ? 0 : 1);
