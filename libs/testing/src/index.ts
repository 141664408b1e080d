export * from './eventually';
export * from './api-client';
export * from './tokens';
export * from '@tt/ops'; // ServiceProcess, freePort, REPO_ROOT, SERVICE_NAMES, the catch-up helpers: operator tooling the tests share
export * from './kafka-probe';
export * from './system';
export * from './sse-client';
export * from './webhook-receiver';
export * from './dead-letters';
export * from './dependency-probes';
export * from './medium-tier';
export * from './broker-requests';
