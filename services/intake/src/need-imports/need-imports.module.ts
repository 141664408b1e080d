import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EnterprisesModule } from '../enterprises/enterprises.module';
import { NeedsModule } from '../needs/needs.module';
import { NeedImportProcessor } from './need-import.processor';
import { NEED_IMPORT_QUEUE } from './need-import.queue';
import { NEED_IMPORT_MODEL, NeedImportSchema } from './need-import.schema';
import { NeedImportsController } from './need-imports.controller';
import { NeedImportsRepository } from './need-imports.repository';
import { NeedImportsService } from './need-imports.service';

/** 需求征集表 imports: upload, a BullMQ job per file, the per-row report. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: NEED_IMPORT_MODEL, schema: NeedImportSchema }]),
    BullModule.registerQueue({ name: NEED_IMPORT_QUEUE }),
    EnterprisesModule,
    NeedsModule,
  ],
  controllers: [NeedImportsController],
  providers: [NeedImportsRepository, NeedImportsService, NeedImportProcessor],
})
export class NeedImportsModule {}
