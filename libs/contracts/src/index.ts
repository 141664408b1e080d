export * from './domain/vocabulary';
export * from './events/topics';
export * from './events/event-definition';
export * from './events/need-captured.v1';
export * from './events/match-events.v1';
export * from './events/deal-events.v1';
export * from './events/catalog';
export * from './events/examples';
