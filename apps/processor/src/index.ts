export * from './replay/run-replay';
export * from './replay/ndjson-merge';
export * from './replay/ndjson-topic-sink';
export * from './reference/load-reference';
