export * from './service-process';
export * from './catch-up';
