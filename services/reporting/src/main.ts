import { bootstrapService } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';

void bootstrapService({
  config,
  module: AppModule,
  title: 'Reporting API (技术合同成交统计)',
  description:
    'Totals of registered technology contracts (count, 合同成交额, 技术交易额) by month, park, region, contract type, field and broker, with year-on-year growth, and the need-to-contract funnel.',
  consumer: { ignore: ['cn.techtransfer.match.rejected.v1'] },
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
