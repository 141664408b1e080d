/**
 * Every Kafka topic of the platform, in one place. Naming: `<product>.<bounded context>.<aggregate>.v<N>`.
 * One topic per aggregate so that all events of one need (or one deal) share a partition and stay in order.
 * A breaking change gets a new topic version, published beside the old one during a migration.
 */
export const TOPICS = {
  /** Events of a need (企业技术需求), keyed by needId. Produced by intake. */
  need: 'techtransfer.intake.need.v1',
  /** Events of a need's matching (供需对接), keyed by needId. Produced by matching. */
  match: 'techtransfer.matching.match.v1',
  /** Events of the supply catalogue (供给侧资源库), keyed by supplyId. Produced by matching. */
  supply: 'techtransfer.matching.supply.v1',
  /** Events of a deal (意向 → 技术合同 → 认定登记), keyed by dealId. Produced by contract-tracking. */
  deal: 'techtransfer.contracts.deal.v1',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export const ALL_TOPICS: Topic[] = Object.values(TOPICS);

/** The CloudEvents `source` of each producing service: what its events carry in `ce_source`. */
export const EVENT_SOURCES = {
  intake: '/techtransfer/intake',
  matching: '/techtransfer/matching',
  contractTracking: '/techtransfer/contract-tracking',
} as const;
export type EventSource = (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES];

/**
 * The one service that may produce on each topic. Consumers accept an event only from its topic's
 * owner (checked on `ce_source`); in production, Kafka ACLs also stop anyone else from writing there.
 */
export const TOPIC_OWNERS: Record<Topic, EventSource> = {
  [TOPICS.need]: EVENT_SOURCES.intake,
  [TOPICS.match]: EVENT_SOURCES.matching,
  [TOPICS.supply]: EVENT_SOURCES.matching,
  [TOPICS.deal]: EVENT_SOURCES.contractTracking,
};

/** Where a consumer puts an event it could not handle after bounded retries. */
export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;
export const ALL_DEAD_LETTER_TOPICS: string[] = ALL_TOPICS.map(deadLetterTopicOf);
