import { parentPort, workerData } from 'node:worker_threads';
import { loadTf } from './backend.ts';
import { fitAndValidate } from './fit.ts';
import { saveModel } from './artifacts.ts';
import { createFileModelStore } from './store.ts';
import type { RetrainReply, RetrainRequest } from './retrain.ts';

/** Runs in a worker thread: train, validate against the baselines, save (promoted only if no worse). */
async function main(req: RetrainRequest): Promise<RetrainReply> {
  const { tf, backend } = await loadTf();
  const fit = await fitAndValidate(tf, new Map(req.series), req.config, { epochs: req.config.tfjs.retrain.epochs, now: req.now });
  await saveModel(tf, createFileModelStore(req.config.tfjs.modelDir), req.config.tfjs.modelName, fit.trained, { promote: fit.promote });
  fit.trained.model.dispose();
  return {
    ok: true, version: fit.trained.meta.version, promoted: fit.promote, tfMase: fit.tfMase,
    bestBaseline: fit.bestBaseline, bestBaselineMase: fit.bestBaselineMase, seconds: fit.trained.meta.training.seconds, backend,
  };
}

main(workerData as RetrainRequest)
  .then((r) => parentPort?.postMessage(r))
  .catch((err: unknown) => parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies RetrainReply));
