import { EVENT_CATALOG, type EventType } from './catalog';
import type { Topic } from './topics';

/** The four services, by the names their Kafka principals, consumer groups and images carry. */
export const SERVICE_NAMES = ['intake', 'matching', 'contract-tracking', 'reporting'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * What a service consumes: the event types it handles (an `@EventPattern` each) and the other types on
 * the same topics it deliberately ignores. The topics it reads follow from both.
 */
export interface Subscription {
  handles: readonly EventType[];
  ignores: readonly EventType[];
}

/**
 * Each service's subscriptions, written once. Read by the consumer transport (which refuses to start when
 * a service's handlers differ from its `handles`, or a type on its topics is in neither list), the AsyncAPI
 * document, the Kafka ACL checks of deploy/kafka/access.conf and the reporting rebuild command.
 */
export const SUBSCRIPTIONS: Record<ServiceName, Subscription> = {
  intake: {
    handles: [
      'cn.techtransfer.match.proposed.v1',
      'cn.techtransfer.match.accepted.v1',
      'cn.techtransfer.match.rejected.v1',
      // the broker's overdue list: reminders raised, cleared when acted on
      'cn.techtransfer.match.reminder.v1',
      'cn.techtransfer.deal.reminder.v1',
      'cn.techtransfer.deal.opened.v1',
      'cn.techtransfer.contract.signed.v1',
      'cn.techtransfer.contract.registered.v1',
      'cn.techtransfer.deal.cancelled.v1',
    ],
    ignores: [
      'cn.techtransfer.transaction.logged.v1',
      'cn.techtransfer.contract.registered.v2',
      'cn.techtransfer.transaction.logged.v2',
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.amended.v1',
      'cn.techtransfer.transaction.revoked.v1',
    ],
  },
  matching: {
    handles: [
      'cn.techtransfer.need.captured.v1',
      'cn.techtransfer.need.revised.v1',
      'cn.techtransfer.need.withdrawn.v1',
      'cn.techtransfer.need.closed.v1',
      // Its own catalogue's changes: each fans out to the open needs' rescoring.
      'cn.techtransfer.supply.listed.v1',
      'cn.techtransfer.supply.revised.v1',
      'cn.techtransfer.supply.retired.v1',
      // its own proposals: each gets its reminder job
      'cn.techtransfer.match.proposed.v1',
    ],
    ignores: [
      'cn.techtransfer.match.accepted.v1',
      'cn.techtransfer.match.rejected.v1',
      'cn.techtransfer.match.reminder.v1',
    ],
  },
  'contract-tracking': {
    handles: [
      'cn.techtransfer.match.accepted.v1',
      'cn.techtransfer.deal.opened.v1',
      'cn.techtransfer.contract.signed.v1',
    ],
    ignores: [
      'cn.techtransfer.match.proposed.v1',
      'cn.techtransfer.match.rejected.v1',
      'cn.techtransfer.match.reminder.v1',
      // Of its own deal topic, only deal opened and contract signed (they schedule the reminders).
      'cn.techtransfer.contract.registered.v1',
      'cn.techtransfer.contract.registered.v2',
      'cn.techtransfer.transaction.logged.v1',
      'cn.techtransfer.transaction.logged.v2',
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.amended.v1',
      'cn.techtransfer.transaction.revoked.v1',
      'cn.techtransfer.deal.cancelled.v1',
      'cn.techtransfer.deal.reminder.v1',
    ],
  },
  reporting: {
    handles: [
      'cn.techtransfer.need.captured.v1',
      'cn.techtransfer.match.proposed.v1',
      'cn.techtransfer.match.accepted.v1',
      'cn.techtransfer.match.rejected.v1',
      'cn.techtransfer.deal.opened.v1',
      'cn.techtransfer.contract.signed.v1',
      'cn.techtransfer.contract.registered.v1',
      'cn.techtransfer.transaction.logged.v1',
      'cn.techtransfer.contract.registered.v2',
      'cn.techtransfer.transaction.logged.v2',
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.amended.v1',
      'cn.techtransfer.transaction.revoked.v1',
      'cn.techtransfer.deal.cancelled.v1',
    ],
    ignores: [
      'cn.techtransfer.need.revised.v1',
      'cn.techtransfer.need.withdrawn.v1',
      'cn.techtransfer.need.closed.v1',
      // reminders are for brokers (intake's overdue list), not for the totals
      'cn.techtransfer.match.reminder.v1',
      'cn.techtransfer.deal.reminder.v1',
    ],
  },};

/** The topics a service reads: those of every type it handles or ignores, in catalogue order. */
export function topicsConsumedBy(service: ServiceName): Topic[] {
  const { handles, ignores } = SUBSCRIPTIONS[service];
  return [...new Set([...handles, ...ignores].map((type) => EVENT_CATALOG[type].topic as Topic))];
}
