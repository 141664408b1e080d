import { entityTag } from '@tt/platform';
import type { Deal } from './deal.schema';

/** How a stored deal is shown (and the context its events repeat). */

export type DealView = ReturnType<typeof present>;

export function present(deal: Deal) {
  const { _id, outbox: _o, version, ...rest } = deal;
  return { dealId: _id, ...rest, version: version ?? 0, etag: entityTag(version ?? 0) };
}

/** Who a deal is between and where it is counted: the context every deal event repeats. */
export function eventContext(deal: Pick<DealView, 'dealId' | 'needId' | 'parkId' | 'brokerId' | 'enterpriseId' | 'regionCode' | 'technicalField'>) {
  return {
    dealId: deal.dealId,
    needId: deal.needId,
    parkId: deal.parkId,
    brokerId: deal.brokerId,
    enterpriseId: deal.enterpriseId,
    regionCode: deal.regionCode,
    technicalField: deal.technicalField,
  };
}
