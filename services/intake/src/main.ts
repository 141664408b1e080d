import { bootstrapService } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';

void bootstrapService({
  config,
  module: AppModule,
  title: 'Intake API (企业技术需求采集)',
  description: 'Brokers record enterprises and their technology needs. Every captured need is published as cn.techtransfer.need.captured.v1.',
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
