import { ForesightError } from '../core/errors.ts';
import { createFileModelStore, type ModelStore, type ModelStoreEvent } from '../models/tfjs/store.ts';
import { loadConfig } from './config.ts';

/**
 * `foresight models list|promote|rollback`: the model store as an operator sees it. A
 * running daemon polls CURRENT, so a promotion or rollback here reaches it on its next
 * poll (as a trial beside the version it serves).
 */

export interface ModelsCliOptions {
  dir?: string;
  name?: string;
  config?: string;
  json: boolean;
}

interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }

function open(opts: ModelsCliOptions): { store: ModelStore; dir: string; name: string } {
  const tfjs = loadConfig(opts.config).config.models.tfjs;
  const dir = opts.dir ?? tfjs.modelDir;
  return { store: createFileModelStore(dir), dir, name: opts.name ?? tfjs.modelName };
}

interface VersionSummary {
  version: string;
  current: boolean;
  createdAt: string | null;
  trainedOn: { services: number; points: number } | null;
  validation: { horizon: number; tfjsMase: number | null; bestBaseline: string | null; bestBaselineMase: number | null; promoted: boolean } | null;
  error?: string;
}

async function summary(store: ModelStore, name: string, version: string, current: string | null): Promise<VersionSummary> {
  try {
    const meta = (await store.load(name, version)).meta as {
      createdAt?: string; trainedOn?: { services: number; points: number };
      validation?: { horizon: number; mase: Record<string, number | null>; bestBaseline: string | null; promoted: boolean };
    };
    const v = meta.validation;
    return {
      version, current: version === current, createdAt: meta.createdAt ?? null,
      trainedOn: meta.trainedOn ? { services: meta.trainedOn.services, points: meta.trainedOn.points } : null,
      validation: v ? { horizon: v.horizon, tfjsMase: v.mase.tfjs_mlp ?? null, bestBaseline: v.bestBaseline, bestBaselineMase: v.bestBaseline ? v.mase[v.bestBaseline] ?? null : null, promoted: v.promoted } : null,
    };
  } catch (err) {
    return { version, current: version === current, createdAt: null, trainedOn: null, validation: null, error: (err as Error).message };
  }
}

export async function modelsList(opts: ModelsCliOptions, io: Io): Promise<number> {
  const { store, dir, name } = open(opts);
  const current = await store.current(name);
  const versions = await Promise.all((await store.versions(name)).map((v) => summary(store, name, v, current)));
  const history = await store.history(name);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ dir, name, current, versions, history })}\n`);
    return 0;
  }
  const f = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : n.toFixed(3));
  io.stdout.write(`model ${name} in ${dir}: ${versions.length} version(s), current ${current ?? '(none)'}\n`);
  for (const v of versions) {
    const val = v.validation;
    const detail = v.error ?? `trained on ${v.trainedOn?.services ?? '-'} services / ${v.trainedOn?.points ?? '-'} points; MASE@${val?.horizon ?? '-'} tfjs ${f(val?.tfjsMase)} vs ${val?.bestBaseline ?? '-'} ${f(val?.bestBaselineMase)}`;
    io.stdout.write(`${v.current ? '*' : ' '} ${v.version}  ${detail}\n`);
  }
  for (const e of history.slice(-10)) io.stdout.write(`  ${e.at} ${e.event} ${e.version}${e.from ? ` (was ${e.from})` : ''}: ${e.reason}\n`);
  return 0;
}

export async function modelsPromote(version: string, reason: string | undefined, opts: ModelsCliOptions, io: Io): Promise<number> {
  const { store, name } = open(opts);
  if (!(await store.versions(name)).includes(version)) throw new ForesightError('USAGE', `model ${name} has no version ${version} (see foresight models list)`);
  const was = await store.current(name);
  await store.promote(name, version, reason ?? 'promoted by an operator');
  io.stdout.write(`model ${name}: current ${version} (was ${was ?? 'none'})\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify({ name, current: version, previous: was })}\n`);
  return 0;
}

/** The version that was current before `current`, from the store's history. */
function previousOf(history: ModelStoreEvent[], current: string): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i] as ModelStoreEvent;
    if (e.version !== current) return e.version;
  }
  return undefined;
}

export async function modelsRollback(version: string | undefined, reason: string | undefined, opts: ModelsCliOptions, io: Io): Promise<number> {
  const { store, name } = open(opts);
  const current = await store.current(name);
  if (current === null) throw new ForesightError('USAGE', `model ${name} has no current version to roll back`);
  const to = version ?? previousOf(await store.history(name), current);
  if (to === undefined) throw new ForesightError('USAGE', `model ${name}: no earlier version in the history; name one (foresight models rollback VERSION)`);
  if (!(await store.versions(name)).includes(to)) throw new ForesightError('USAGE', `model ${name} has no version ${to}`);
  if (to === current) throw new ForesightError('USAGE', `model ${name}: ${to} is already current`);
  if (!(await store.rollback(name, current, to, reason ?? 'rolled back by an operator'))) {
    throw new ForesightError('SINK_UNAVAILABLE', `model ${name}: CURRENT changed while rolling back; run again`);
  }
  io.stdout.write(`model ${name}: current ${to} (rolled back from ${current})\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify({ name, current: to, previous: current })}\n`);
  return 0;
}
