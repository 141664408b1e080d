import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EnterprisesController } from './enterprises.controller';
import { ENTERPRISE_MODEL, EnterpriseSchema } from './enterprise.schema';
import { EnterprisesRepository } from './enterprises.repository';
import { EnterprisesService } from './enterprises.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: ENTERPRISE_MODEL, schema: EnterpriseSchema }])],
  controllers: [EnterprisesController],
  providers: [EnterprisesRepository, EnterprisesService],
  exports: [EnterprisesService],
})
export class EnterprisesModule {}
