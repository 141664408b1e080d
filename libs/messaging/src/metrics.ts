import { Counter, Gauge, register, type CounterConfiguration, type GaugeConfiguration } from 'prom-client';

/**
 * The messaging metrics every service exposes on /metrics (prom-client's default registry, one per
 * process): what each consumer did with each event type, and what the outbox has yet to publish.
 * Event types outside the catalogue are counted as `unknown`, so a stream of forged types cannot
 * blow up the label space.
 */
function counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
  return (register.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter(config);
}

export const eventsConsumed = counter({
  name: 'tt_events_consumed_total',
  help: 'Events a consumer group finished with, by type and outcome (handled, duplicate, ignored, dead_lettered)',
  labelNames: ['type', 'outcome'] as const,
});

export const eventsPublished = counter({
  name: 'tt_events_published_total',
  help: 'Events the outbox relay published, by type',
  labelNames: ['type'] as const,
});

/** A gauge read at scrape time; a second registration (a second app in one process) replaces the first. */
export function scrapedGauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
  register.removeSingleMetric(config.name);
  return new Gauge(config);
}
