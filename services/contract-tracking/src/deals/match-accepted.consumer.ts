import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { MatchAcceptedV1, type PayloadOf } from '@tt/contracts';
import { DealsService } from './deals.service';

@EventConsumer()
export class MatchAcceptedConsumer {
  constructor(private readonly deals: DealsService) {}

  @EventPattern(MatchAcceptedV1.type)
  async onMatchAccepted(@Payload() accepted: PayloadOf<typeof MatchAcceptedV1.type>): Promise<void> {
    await this.deals.open(accepted);
  }
}
