import { BaseRpcContext } from '@nestjs/microservices';
import type { CloudEvent } from '../cloud-event.codec';

export interface EventDelivery {
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
}

/** What an `@EventPattern` handler gets with `@Ctx()`: the event's attributes and where it came from. */
export class EventContext extends BaseRpcContext<[CloudEvent, EventDelivery]> {
  get event(): CloudEvent {
    return this.args[0];
  }
  get delivery(): EventDelivery {
    return this.args[1];
  }
}
