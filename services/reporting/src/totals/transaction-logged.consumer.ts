import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { TransactionLoggedV1, type PayloadOf } from '@tt/contracts';
import { TotalsService } from './totals.service';

@EventConsumer()
export class TransactionLoggedConsumer {
  constructor(private readonly totals: TotalsService) {}

  @EventPattern(TransactionLoggedV1.type)
  async onTransactionLogged(@Payload() t: PayloadOf<typeof TransactionLoggedV1.type>) {
    await this.totals.log(t);
  }
}
