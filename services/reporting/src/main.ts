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
      'cn.techtransfer.need.revised.v1',
      'cn.techtransfer.need.withdrawn.v1',
      'cn.techtransfer.need.closed.v1',
      // reminders are for brokers (intake's overdue list), not for the totals
      'cn.techtransfer.match.reminder.v1',
      'cn.techtransfer.deal.reminder.v1',
    ],
  },
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
