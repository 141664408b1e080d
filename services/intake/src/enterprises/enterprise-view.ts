import { findRegion } from '@tt/contracts';
import { entityTag } from '@tt/platform';
import type { Enterprise } from './enterprise.schema';

export type EnterpriseView = Omit<Enterprise, '_id'> & { id: string; regionName: string | null; etag: string };

/** The API shape, with the region's full name (浙江省宁波市北仑区) and the ETag. */
export function present({ _id, ...rest }: Enterprise): EnterpriseView {
  return { id: _id, ...rest, regionName: findRegion(rest.regionCode)?.fullName ?? null, etag: entityTag(rest.version ?? 0) };
}
