import { BaseRpcContext } from '@nestjs/microservices';
import type { CloudEvent } from '../cloud-event.codec';
import type { BatchScope, BatchWork } from './batch-scope';

export interface EventDelivery {
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
}

/** What an `@EventPattern` handler gets with `@Ctx()`: the event's attributes and where it came from. */
export class EventContext extends BaseRpcContext<[CloudEvent, EventDelivery, BatchScope?]> {
  get event(): CloudEvent {
    return this.args[0];
  }
  get delivery(): EventDelivery {
    return this.args[1];
  }

  /**
   * Leaves `item` to `work`, done once for the whole batch before its events are recorded and its
   * offset committed (see batch-scope.ts). Outside a batch (a direct call) it is done now.
   */
  async atBatchEnd<T>(work: BatchWork<T>, item: T): Promise<void> {
    const scope = this.args[2];
    if (scope) scope.add(work, item, Number(this.delivery.offset));
    else await work.settle([item]);
  }
}
