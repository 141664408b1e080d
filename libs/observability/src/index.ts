// The bottom layer with libs/store: trace context and spans, the log's trace id, metric helpers.
export * from './trace-context';
export * from './tracing';
export * from './metrics';
