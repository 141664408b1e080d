import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRules, CurrentPrincipal, PageQuery, parkOf, type Principal, Roles, versionFromIfMatch, withETag } from '@tt/platform';
import { CreateEnterpriseDto, ReviseEnterpriseDto } from './enterprise.dto';
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
  @ApiOperation({ summary: 'Read an enterprise, with its region’s name and its ETag' })
  async get(@Param() { id }: IdParam, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.enterprises.get(id, parkOf(broker)));
  }

  @ApiRules('revision-changes-something')
  @Patch(':id')
  @ApiOperation({ summary: 'Revise an enterprise (not its credit code). Requires If-Match: 428 without, 412 when it changed since' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the enterprise as read, e.g. "0"' })
  async revise(
    @Param() { id }: IdParam,
    @Body() dto: ReviseEnterpriseDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const version = versionFromIfMatch(ifMatch, { required: true }) ?? (await this.enterprises.get(id, parkOf(broker))).version ?? 0;
    return withETag(res, await this.enterprises.revise(id, dto, parkOf(broker), version));
  }

  @Get()
  @ApiOperation({ summary: 'List the park’s enterprises' })
  list(@Query() query: PageQuery, @CurrentPrincipal() broker: Principal) {
    return this.enterprises.list(parkOf(broker), query.page, query.pageSize);
  }
}
