import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';

/** tfjs `model.json` as written by its own file handlers: topology plus weights manifest. */
export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

/** Everything saved for one model version; the store neither reads nor checks `meta`. */
export interface StoredModel {
  version: string;
  modelJson: ModelJson;
  weights: Uint8Array;
  meta: unknown;
}

/**
 * Persistence for trained models, versioned: every save keeps its version; one of them is
 * `current`, the one daemons load and poll for. A candidate that did not earn promotion is
 * saved but not made current.
 */
export interface ModelStore {
  save(name: string, model: StoredModel, opts?: { promote?: boolean }): Promise<void>;
  /** The given version, or the current one. */
  load(name: string, version?: string): Promise<StoredModel>;
  /** Version currently promoted, or null; cheap, so daemons poll it. */
  current(name: string): Promise<string | null>;
  /** All saved versions, oldest first. */
  versions(name: string): Promise<string[]>;
  /** Makes `version` current; `reason` is recorded in the history (default: "promoted"). */
  promote(name: string, version: string, reason?: string): Promise<void>;
  /**
   * Puts `to` back as current in place of `from`, only while `from` is still current (a
   * newer promotion wins), and records why. So a restart loads the version that was
   * serving, not the one that was rolled back. Returns whether CURRENT was rewritten.
   */
  rollback(name: string, from: string, to: string, reason: string): Promise<boolean>;
  /** Every promotion and rollback, oldest first. */
  history(name: string): Promise<ModelStoreEvent[]>;
}

export interface ModelStoreEvent {
  at: string;
  event: 'promoted' | 'rolled_back';
  version: string;
  /** For a rollback: the version that was current. */
  from?: string;
  reason: string;
}

export const WEIGHTS_FILE = 'weights.bin';
const CURRENT_FILE = 'CURRENT';
const HISTORY_FILE = 'HISTORY.ndjson';
const VERSION_RE = /^[A-Za-z0-9_.-]+$/;

function checkVersion(name: string, version: string): void {
  if (!VERSION_RE.test(version)) throw new ForesightError('MODEL_LOAD_FAILED', `model "${name}": version "${version}" is not a safe directory name`);
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * `<dir>/<name>/<version>/{model.json, weights.bin, meta.json}` plus `<dir>/<name>/CURRENT`
 * holding the promoted version. A version directory is complete before CURRENT is
 * rewritten (atomically), so a reader polling CURRENT never sees a half-written model.
 */
export function createFileModelStore(dir: string): ModelStore {
  const current = async (name: string): Promise<string | null> => {
    try {
      const v = (await readFile(join(dir, name, CURRENT_FILE), 'utf8')).trim();
      return v === '' ? null : v;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ForesightError('MODEL_LOAD_FAILED', `could not read the current version of model "${name}"`, { cause: err });
    }
  };
  const record = async (name: string, e: Omit<ModelStoreEvent, 'at'>): Promise<void> => {
    await appendFile(join(dir, name, HISTORY_FILE), `${JSON.stringify({ at: new Date().toISOString(), ...e })}\n`);
  };
  const promote = async (name: string, version: string, reason = 'promoted'): Promise<void> => {
    checkVersion(name, version);
    await writeAtomic(join(dir, name, CURRENT_FILE), `${version}\n`);
    await record(name, { event: 'promoted', version, reason });
  };
  return {
    async save(name, model, opts = {}) {
      checkVersion(name, model.version);
      const d = join(dir, name, model.version);
      try {
        await mkdir(d, { recursive: true });
        await writeAtomic(join(d, WEIGHTS_FILE), model.weights);
        await writeAtomic(join(d, 'model.json'), `${JSON.stringify(model.modelJson)}\n`);
        await writeAtomic(join(d, 'meta.json'), `${JSON.stringify(model.meta, null, 2)}\n`);
        if (opts.promote ?? true) await promote(name, model.version, 'saved');
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `could not save model "${name}" to ${d}`, { retriable: true, cause: err });
      }
    },
    async load(name, version) {
      const v = version ?? await current(name);
      if (v === null) throw new ForesightError('MODEL_LOAD_FAILED', `could not read model "${name}" from ${join(dir, name)}: no current version`);
      checkVersion(name, v);
      const d = join(dir, name, v);
      try {
        const [modelJson, weights, meta] = await Promise.all([
          readFile(join(d, 'model.json'), 'utf8'),
          readFile(join(d, WEIGHTS_FILE)),
          readFile(join(d, 'meta.json'), 'utf8'),
        ]);
        return { version: v, modelJson: JSON.parse(modelJson) as ModelJson, weights: new Uint8Array(weights), meta: JSON.parse(meta) as unknown };
      } catch (err) {
        throw new ForesightError('MODEL_LOAD_FAILED', `could not read model "${name}" version ${v} from ${d}`, { cause: err });
      }
    },
    current,
    async versions(name) {
      try {
        const entries = await readdir(join(dir, name), { withFileTypes: true });
        return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new ForesightError('MODEL_LOAD_FAILED', `could not list versions of model "${name}"`, { cause: err });
      }
    },
    promote,
    async rollback(name, from, to, reason) {
      checkVersion(name, to);
      // One daemon rolls back; a newer promotion since (an operator, a retrain) is not undone.
      if (await current(name) !== from) return false;
      try {
        await writeAtomic(join(dir, name, CURRENT_FILE), `${to}\n`);
        await record(name, { event: 'rolled_back', version: to, from, reason });
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `could not roll model "${name}" back to ${to}`, { retriable: true, cause: err });
      }
      return true;
    },
    async history(name) {
      let text: string;
      try {
        text = await readFile(join(dir, name, HISTORY_FILE), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new ForesightError('MODEL_LOAD_FAILED', `could not read the history of model "${name}"`, { cause: err });
      }
      // A line cut short by a crash mid-append is skipped, not fatal.
      return text.split('\n').flatMap((l) => { try { return l ? [JSON.parse(l) as ModelStoreEvent] : []; } catch { return []; } });
    },
  };
}

function copy(m: StoredModel): StoredModel {
  return { version: m.version, modelJson: structuredClone(m.modelJson), weights: m.weights.slice(), meta: structuredClone(m.meta) };
}

/** In-memory store for tests and for training and using a model in one process. */
export function createMemoryModelStore(): ModelStore & { names(): string[] } {
  const models = new Map<string, Map<string, StoredModel>>();
  const currents = new Map<string, string>();
  const events = new Map<string, ModelStoreEvent[]>();
  const record = (name: string, e: Omit<ModelStoreEvent, 'at'>): void => {
    events.set(name, [...(events.get(name) ?? []), { at: new Date().toISOString(), ...e }]);
  };
  return {
    async save(name, model, opts = {}) {
      const versions = models.get(name) ?? new Map<string, StoredModel>();
      versions.set(model.version, copy(model));
      models.set(name, versions);
      if (opts.promote ?? true) { currents.set(name, model.version); record(name, { event: 'promoted', version: model.version, reason: 'saved' }); }
    },
    async load(name, version) {
      const v = version ?? currents.get(name);
      const m = v === undefined ? undefined : models.get(name)?.get(v);
      if (!m) throw new ForesightError('MODEL_LOAD_FAILED', `no model named "${name}"${version ? ` version ${version}` : ''} in the memory store`);
      return copy(m);
    },
    async current(name) { return currents.get(name) ?? null; },
    async versions(name) { return [...(models.get(name)?.keys() ?? [])].sort(); },
    async promote(name, version, reason = 'promoted') {
      if (!models.get(name)?.has(version)) throw new ForesightError('MODEL_LOAD_FAILED', `no model "${name}" version ${version} to promote`);
      currents.set(name, version);
      record(name, { event: 'promoted', version, reason });
    },
    async rollback(name, from, to, reason) {
      if (currents.get(name) !== from) return false;
      currents.set(name, to);
      record(name, { event: 'rolled_back', version: to, from, reason });
      return true;
    },
    async history(name) { return [...(events.get(name) ?? [])]; },
    names: () => [...models.keys()].sort(),
  };
}
