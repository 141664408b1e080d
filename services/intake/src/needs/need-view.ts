import { entityTag } from '@tt/platform';
import type { Need } from './need.schema';

export type NeedView = ReturnType<typeof present>;

/** The API shape: `id` instead of `_id`, and no outbox, idempotency or version internals. */
export function present(need: Need) {
  const { _id, outbox: _outbox, request: _request, version, revision, downstream: _downstream, importId: _importId, ...rest } = need;
  return { id: _id, ...rest, revision: revision ?? 0, etag: entityTag(version ?? 0) };
}
