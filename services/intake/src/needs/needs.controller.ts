import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, parkOf, Roles, type Principal } from '@tt/platform';
import { CreateNeedDto, IdParam, ListNeedsQuery } from './need.dto';
import { NeedsService } from './needs.service';

@ApiTags('needs')
@Roles('broker')
@Controller('needs')
export class NeedsController {
  constructor(private readonly needs: NeedsService) {}

  @Post()
  @ApiOperation({ summary: 'Record an enterprise technology need (publishes need captured)' })
  capture(@Body() dto: CreateNeedDto, @CurrentPrincipal() broker: Principal) {
    return this.needs.capture(dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a need of the broker’s park' })
  get(@Param() { id }: IdParam, @CurrentPrincipal() broker: Principal) {
    return this.needs.get(id, parkOf(broker));
  }

  @Get()
  @ApiOperation({ summary: 'List the park’s needs, newest first, with filters and pagination' })
  list(@Query() query: ListNeedsQuery, @CurrentPrincipal() broker: Principal) {
    return this.needs.list(parkOf(broker), query);
  }
}
