import { bootstrapService } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';

void bootstrapService({
  config,
  module: AppModule,
  title: 'Contract tracking API (技术合同跟踪)',
  description:
    'Deals from accepted match to signed and registered technology contract (技术合同认定登记). Consumes match accepted; publishes deal opened, contract signed, contract registered and transaction logged.',
  consumer: { ignore: ['cn.techtransfer.match.proposed.v1', 'cn.techtransfer.match.rejected.v1'] },
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
