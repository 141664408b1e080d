import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EnterprisesModule } from '../enterprises/enterprises.module';
import { NeedsController } from './needs.controller';
import { NEED_MODEL, NeedSchema } from './need.schema';
import { NeedsService } from './needs.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: NEED_MODEL, schema: NeedSchema }]), EnterprisesModule],
  controllers: [NeedsController],
  providers: [NeedsService],
  exports: [MongooseModule],
})
export class NeedsModule {}
