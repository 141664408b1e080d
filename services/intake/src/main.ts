import { bootstrapService } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';

void bootstrapService({
  config,
  module: AppModule,
  title: 'Intake API (企业技术需求采集)',
  description:
    'Brokers record enterprises and their technology needs, revise, withdraw and close them; a need’s status follows matching and the deal downstream. Every change is an event on techtransfer.intake.need.v1.',
  consumer: {
    ignore: [
      'cn.techtransfer.match.rejected.v1',
      'cn.techtransfer.transaction.logged.v1',
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
