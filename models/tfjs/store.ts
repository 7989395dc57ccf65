import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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

/** Everything saved for one model; the store neither reads nor checks the contents. */
export interface StoredModel {
  modelJson: ModelJson;
  weights: Uint8Array;
  meta: unknown;
}

/** Persistence for trained models: two methods, adapters for a directory and for memory. */
export interface ModelStore {
  save(name: string, model: StoredModel): Promise<void>;
  load(name: string): Promise<StoredModel>;
}

export const WEIGHTS_FILE = 'weights.bin';

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * `<dir>/<name>/{model.json, weights.bin, meta.json}`: the layout tfjs's own file handler
 * writes, without needing tfjs-node's file:// handler. meta.json is written last, so a
 * crash mid-save leaves the previous meta, which the loader then checks against the rest.
 */
export function createFileModelStore(dir: string): ModelStore {
  return {
    async save(name, model) {
      const d = join(dir, name);
      try {
        await mkdir(d, { recursive: true });
        await writeAtomic(join(d, WEIGHTS_FILE), model.weights);
        await writeAtomic(join(d, 'model.json'), `${JSON.stringify(model.modelJson)}\n`);
        await writeAtomic(join(d, 'meta.json'), `${JSON.stringify(model.meta, null, 2)}\n`);
      } catch (err) {
        throw new ForesightError('SINK_UNAVAILABLE', `could not save model "${name}" to ${d}`, { retriable: true, cause: err });
      }
    },
    async load(name) {
      const d = join(dir, name);
      try {
        const [modelJson, weights, meta] = await Promise.all([
          readFile(join(d, 'model.json'), 'utf8'),
          readFile(join(d, WEIGHTS_FILE)),
          readFile(join(d, 'meta.json'), 'utf8'),
        ]);
        return { modelJson: JSON.parse(modelJson) as ModelJson, weights: new Uint8Array(weights), meta: JSON.parse(meta) as unknown };
      } catch (err) {
        throw new ForesightError('MODEL_LOAD_FAILED', `could not read model "${name}" from ${d}`, { cause: err });
      }
    },
  };
}

/** In-memory store for tests and for training and using a model in one process. */
export function createMemoryModelStore(): ModelStore & { names(): string[] } {
  const models = new Map<string, StoredModel>();
  return {
    async save(name, model) { models.set(name, { modelJson: structuredClone(model.modelJson), weights: model.weights.slice(), meta: structuredClone(model.meta) }); },
    async load(name) {
      const m = models.get(name);
      if (!m) throw new ForesightError('MODEL_LOAD_FAILED', `no model named "${name}" in the memory store`);
      return { modelJson: structuredClone(m.modelJson), weights: m.weights.slice(), meta: structuredClone(m.meta) };
    },
    names: () => [...models.keys()].sort(),
  };
}
