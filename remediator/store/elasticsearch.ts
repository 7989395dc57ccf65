/** The Elasticsearch recorder; the component lives in ./elasticsearch/ (config, templates, bulk, spool, store). */
export * from './elasticsearch/index.ts';
