import { Counter, Gauge, Histogram, register, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * The one way to make a metric here (prom-client's default registry, one per process). A counter or
 * histogram is got or created: a module loaded twice in one process (tests, two apps) shares it. A
 * scraped gauge is read at scrape time and a second registration replaces the first (its collect
 * closes over the newer app).
 */
export function counterMetric<L extends string>(config: CounterConfiguration<L>): Counter<L> {
  return (register.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter(config);
}

export function histogramMetric<L extends string>(config: HistogramConfiguration<L>): Histogram<L> {
  return (register.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram(config);
}

export function scrapedGauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
  register.removeSingleMetric(config.name);
  return new Gauge(config);
}
