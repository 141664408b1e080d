// The bottom layer with libs/observability: what a store failure means, and idempotent writes.
export * from './errors';
export * from './store-watchdog';
export * from './indexes';
export * from './lean-insert';
