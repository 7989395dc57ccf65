export { elasticsearchStoreConfigSchema, type ElasticsearchStoreConfig } from './config.ts';
export { ElasticsearchRecordStore, createElasticsearchStore, clientOptions, STATUS_RANK, metricId, type ElasticsearchStoreDeps } from './store.ts';
export { indexName, indexTemplates, RECORD_KINDS, type RecordKind } from './templates.ts';
export { bulkWrite, type BulkOp, type BulkOutcome } from './bulk.ts';
