export { kafkaSourceConfigSchema, brokersFromEnv, type KafkaSourceConfig } from './config.ts';
export { createKafka, type KafkaConnection } from './client.ts';
export { KafkaSource, parseKafkaUrl, type KafkaSourceOptions, type KafkaReplayRange } from './source.ts';
export { produceFile, serviceKeyOf, type ProduceOptions, type ProduceResult } from './produce.ts';
