import { z } from 'zod';
import { NeedCapturedV1 } from './need-captured.v1';
import { MatchAcceptedV1, MatchProposedV1, MatchRejectedV1 } from './match-events.v1';
import { ContractRegisteredV1, ContractSignedV1, DealCancelledV1, DealOpenedV1, TransactionLoggedV1 } from './deal-events.v1';
import {
  ContractRegisteredV2,
  TransactionAmendedV1,
  TransactionCorrectedV1,
  TransactionLoggedV2,
  TransactionRevokedV1,
} from './registry-events';
import { NeedClosedV1, NeedRevisedV1, NeedWithdrawnV1 } from './need-lifecycle.v1';
import { SupplyListedV1, SupplyRetiredV1, SupplyRevisedV1 } from './supply-events.v1';
import { DealReminderV1, ProposalReminderV1 } from './reminder-events.v1';
import { TOPICS } from './topics';
import type { EventDefinition } from './event-definition';

/** Every event the platform produces. Producers and consumers validate against these schemas. */
export const EVENT_CATALOG = {
  [NeedCapturedV1.type]: NeedCapturedV1,
  [NeedRevisedV1.type]: NeedRevisedV1,
  [NeedWithdrawnV1.type]: NeedWithdrawnV1,
  [NeedClosedV1.type]: NeedClosedV1,
  [MatchProposedV1.type]: MatchProposedV1,
  [MatchAcceptedV1.type]: MatchAcceptedV1,
  [MatchRejectedV1.type]: MatchRejectedV1,
  [DealOpenedV1.type]: DealOpenedV1,
  [ContractSignedV1.type]: ContractSignedV1,
  [ContractRegisteredV1.type]: ContractRegisteredV1,
  [TransactionLoggedV1.type]: TransactionLoggedV1,
  [DealCancelledV1.type]: DealCancelledV1,
  [ContractRegisteredV2.type]: ContractRegisteredV2,
  [TransactionLoggedV2.type]: TransactionLoggedV2,
  [TransactionCorrectedV1.type]: TransactionCorrectedV1,
  [TransactionAmendedV1.type]: TransactionAmendedV1,
  [TransactionRevokedV1.type]: TransactionRevokedV1,
  [SupplyListedV1.type]: SupplyListedV1,
  [SupplyRevisedV1.type]: SupplyRevisedV1,
  [SupplyRetiredV1.type]: SupplyRetiredV1,
  [ProposalReminderV1.type]: ProposalReminderV1,
  [DealReminderV1.type]: DealReminderV1,
} as const;

export type EventType = keyof typeof EVENT_CATALOG;
export type PayloadOf<T extends EventType> = z.infer<(typeof EVENT_CATALOG)[T]['schema']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

/** What analysts can follow outside Kafka (reporting's GET /events, SSE, webhooks): every deal event except the brokers' reminders. */
export const ANALYST_EVENT_TYPES: EventType[] = EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === TOPICS.deal && t !== 'cn.techtransfer.deal.reminder.v1');

export function findEventDefinition(type: string): EventDefinition | undefined {
  return (EVENT_CATALOG as Record<string, EventDefinition>)[type];
}

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, type);
}

/** The JSON Schema (draft 2020-12) of an event's payload, as published in the AsyncAPI document. */
export function payloadJsonSchema(type: EventType): Record<string, unknown> {
  return z.toJSONSchema(EVENT_CATALOG[type].schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
