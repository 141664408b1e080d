import { bootstrapService } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';

void bootstrapService({
  config,
  module: AppModule,
  title: 'Reporting API (技术合同成交统计)',
  description:
    'Totals of registered technology contracts (count, 合同成交额, 技术交易额) by month, park, region, contract type, field and broker, with year-on-year growth, and the need-to-contract funnel.',
  consumer: {
    ignore: [
      'cn.techtransfer.match.rejected.v1',
      'cn.techtransfer.need.revised.v1',
      'cn.techtransfer.need.withdrawn.v1',
      'cn.techtransfer.need.closed.v1',
      // The registry's v2 record and its corrections: not yet in the totals (issue 6, next step).
      'cn.techtransfer.contract.registered.v2',
      'cn.techtransfer.transaction.logged.v2',
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.amended.v1',
      'cn.techtransfer.transaction.revoked.v1',
    ],
  },
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
