import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, invalid, parkOf, Roles, type Principal } from '@tt/platform';
import { CreateNeedDto, IdParam, ListNeedsQuery } from './need.dto';
import { NeedsService } from './needs.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

@ApiTags('needs')
@Roles('broker')
@Controller('needs')
export class NeedsController {
  constructor(private readonly needs: NeedsService) {}

  @Post()
  @ApiOperation({ summary: 'Record an enterprise technology need (publishes need captured)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes a retried request safe: the same key with the same body answers the need first created (header Idempotent-Replayed: true); with another body, 422.',
  })
  async capture(
    @Body() dto: CreateNeedDto,
    @CurrentPrincipal() broker: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw invalid([{ pointer: 'header.Idempotency-Key', reason: 'must be 1 to 128 visible ASCII characters' }]);
    }
    const { need, replayed } = await this.needs.capture(dto, { subject: broker.subject, parkId: parkOf(broker) }, idempotencyKey);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return need;
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
