export { elasticsearchStoreConfigSchema, type ElasticsearchStoreConfig } from './config.ts';
export { ElasticsearchRecordStore, createElasticsearchStore, clientOptions, STATUS_RANK, metricId, actionDoc, detectionDoc, metricDoc, deadLetterDoc, templateDoc, templateDocId, type ElasticsearchStoreDeps } from './store.ts';
export { indexName, legacyIndexName, indexTemplates, MAPPINGS, RECORD_KINDS, SCHEMA_VERSION, type RecordKind } from './templates.ts';
export { bulkWrite, type BulkOp, type BulkOutcome } from './bulk.ts';
