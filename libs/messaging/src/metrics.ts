import { counterMetric } from '@tt/observability';

/**
 * The messaging metrics every service exposes on /metrics (prom-client's default registry, one per
 * process): what each consumer did with each event type, and what the outbox has yet to publish.
 * Event types outside the catalogue are counted as `unknown`, so a stream of forged types cannot
 * blow up the label space.
 */
export const eventsConsumed = counterMetric({
  name: 'tt_events_consumed_total',
  help: 'Events a consumer group finished with, by type and outcome (handled, duplicate, ignored, dead_lettered)',
  labelNames: ['type', 'outcome'] as const,
});

export const eventsPublished = counterMetric({
  name: 'tt_events_published_total',
  help: 'Events the outbox relay published, by type',
  labelNames: ['type'] as const,
});
