import type * as tfjs from '@tensorflow/tfjs';
import { ForesightError } from '../../core/errors.ts';
import type { Tf } from './backend.ts';
import { FEATURE_COUNT } from './features.ts';
import { checkMeta, type ModelMeta, type ModelRequirements } from './meta.ts';
import type { TrainedModel } from './model.ts';
import { WEIGHTS_FILE, type ModelStore, type StoredModel } from './store.ts';

/**
 * Serialises through tf.io.withSaveHandler / tf.io.fromMemory, which both backends have,
 * so saving does not depend on tfjs-node's file:// handler.
 */
export async function toStored(tf: Tf, trained: TrainedModel): Promise<StoredModel> {
  let captured: tfjs.io.ModelArtifacts | undefined;
  await trained.model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  if (!captured?.modelTopology || !captured.weightSpecs || captured.weightData === undefined) {
    throw new ForesightError('INTERNAL', 'tfjs produced incomplete model artifacts');
  }
  const data = tf.io.CompositeArrayBuffer.join(captured.weightData);
  return {
    version: trained.meta.version,
    modelJson: {
      format: captured.format,
      generatedBy: captured.generatedBy,
      convertedBy: captured.convertedBy ?? null,
      modelTopology: captured.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: captured.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })) }],
    },
    weights: new Uint8Array(data),
    meta: trained.meta,
  };
}

export async function saveModel(tf: Tf, store: ModelStore, name: string, trained: TrainedModel, opts: { promote?: boolean } = {}): Promise<StoredModel> {
  const stored = await toStored(tf, trained);
  await store.save(name, stored, opts);
  return stored;
}

export interface LoadedModel {
  model: tfjs.LayersModel;
  meta: ModelMeta;
}

function outputUnits(model: tfjs.LayersModel): number | undefined {
  const shape = model.outputs[0]?.shape;
  return shape?.[shape.length - 1] ?? undefined;
}

function inputUnits(model: tfjs.LayersModel): number | undefined {
  const shape = model.inputs[0]?.shape;
  return shape?.[shape.length - 1] ?? undefined;
}

/**
 * Loads the given version (default: the store's current one), then checks the metadata
 * and the network's shapes against what the daemon needs.
 */
export async function loadModel(tf: Tf, store: ModelStore, name: string, req: ModelRequirements, version?: string): Promise<LoadedModel> {
  const stored = await store.load(name, version);
  const meta = checkMeta(name, stored.meta, req);
  let model: tfjs.LayersModel;
  try {
    const w = stored.weights;
    const weightData = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer;
    const weightSpecs = stored.modelJson.weightsManifest.flatMap((g) => g.weights) as tfjs.io.WeightsManifestEntry[];
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: stored.modelJson.modelTopology as object, weightSpecs, weightData }));
  } catch (err) {
    throw new ForesightError('MODEL_LOAD_FAILED', `model "${name}" could not be rebuilt from its artifacts`, { cause: err });
  }
  const expectIn = meta.window * FEATURE_COUNT;
  const expectOut = meta.horizon * meta.quantiles.length;
  const gotIn = inputUnits(model);
  const gotOut = outputUnits(model);
  if (gotIn !== expectIn || gotOut !== expectOut) {
    model.dispose();
    throw new ForesightError('MODEL_LOAD_FAILED', `model "${name}" has shape ${gotIn} -> ${gotOut}, its meta.json says ${expectIn} -> ${expectOut}`);
  }
  return { model, meta };
}
