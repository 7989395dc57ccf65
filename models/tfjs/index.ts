export { loadTf, type Tf, type TfBackend } from './backend.ts';
export { trainModel, buildModel, pinballLoss, type TrainOptions, type TrainedModel } from './model.ts';
export { toStored, saveModel, loadModel, type LoadedModel } from './artifacts.ts';
export { createFileModelStore, createMemoryModelStore, type ModelStore, type StoredModel, type ModelJson } from './store.ts';
export { MODEL_FORMAT_VERSION, checkMeta, modelMetaSchema, modelVersionId, type ModelMeta, type ModelRequirements, type ModelValidation } from './meta.ts';
export { predictBatch, TfForecaster, type TfForecasterOptions } from './forecaster.ts';
export { FEATURES, fitNormalisation, type Normalisation } from './features.ts';
export { fitAndValidate, type FitOptions, type FitResult } from './fit.ts';
export { createRetrainer, type Retrainer, type RetrainReply, type RetrainRequest } from './retrain.ts';
