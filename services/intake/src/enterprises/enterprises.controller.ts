import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, PageQuery, parkOf, Roles, type Principal } from '@tt/platform';
import { CreateEnterpriseDto } from './enterprise.dto';
import { EnterprisesService } from './enterprises.service';
import { IdParam } from '../needs/need.dto';

@ApiTags('enterprises')
@Roles('broker')
@Controller('enterprises')
export class EnterprisesController {
  constructor(private readonly enterprises: EnterprisesService) {}

  @Post()
  @ApiOperation({ summary: 'Record an enterprise of the broker’s park' })
  create(@Body() dto: CreateEnterpriseDto, @CurrentPrincipal() broker: Principal) {
    return this.enterprises.create(dto, { ...broker, parkId: parkOf(broker) });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an enterprise' })
  get(@Param() { id }: IdParam, @CurrentPrincipal() broker: Principal) {
    return this.enterprises.get(id, parkOf(broker));
  }

  @Get()
  @ApiOperation({ summary: 'List the park’s enterprises' })
  list(@Query() query: PageQuery, @CurrentPrincipal() broker: Principal) {
    return this.enterprises.list(parkOf(broker), query.page, query.pageSize);
  }
}
