export * from './eventually';
export * from './api-client';
export * from './tokens';
export * from './service-process';
export * from './kafka-probe';
export * from './system';
export * from './catch-up';
