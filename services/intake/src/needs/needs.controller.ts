import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiRules, CurrentPrincipal, FollowUpDto, IDEMPOTENCY_KEY_PATTERN, invalid, OwnIdempotency, parkOf, type Principal, Roles, versionFromIfMatch, withETag } from '@tt/platform';
import { CloseNeedDto, CreateNeedDto, IdParam, ListNeedsQuery, ReviseNeedDto, WithdrawNeedDto } from './need.dto';
import { NeedLifecycleService } from './need-lifecycle.service';
import { NeedsService } from './needs.service';

@ApiTags('needs')
@Roles('broker')
@Controller('needs')
export class NeedsController {
  constructor(
    private readonly needs: NeedsService,
    private readonly lifecycle: NeedLifecycleService,
  ) {}

  @ApiRules('enterprise-in-park', 'need-fields-agree')
  @Post()
  @OwnIdempotency() // the key derives the need's id, in the need's own write
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
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw invalid([{ pointer: 'header.Idempotency-Key', reason: 'must be 1 to 128 visible ASCII characters' }]);
    }
    const { need, replayed } = await this.needs.capture(dto, { subject: broker.subject, parkId: parkOf(broker) }, idempotencyKey);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return withETag(res, need);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a need of the broker’s park, with its ETag' })
  async get(@Param() { id }: IdParam, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.needs.get(id, parkOf(broker)));
  }

  @ApiRules('need-fields-agree', 'revision-changes-something')
  @Patch(':id')
  @ApiOperation({
    summary:
      'Revise a need (open or proposed) and publish need revised; matching scores it again. Requires If-Match with the ETag read: 428 without, 412 when the need changed since; 409 once a deal is under way',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the need as read, e.g. "2"' })
  async revise(
    @Param() { id }: IdParam,
    @Body() dto: ReviseNeedDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const version = versionFromIfMatch(ifMatch, { required: true });
    return withETag(res, await this.lifecycle.revise(id, dto, brokerOf(broker), version));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a need (撤回) and publish need withdrawn; 409 once registered, withdrawn or closed. If-Match optional' })
  @ApiHeader({ name: 'If-Match', required: false })
  async withdraw(
    @Param() { id }: IdParam,
    @Body() dto: WithdrawNeedDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.lifecycle.withdraw(id, dto, brokerOf(broker), versionFromIfMatch(ifMatch, { required: false })));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a need with an outcome and publish need closed; 409 once registered, withdrawn or closed. If-Match optional' })
  @ApiHeader({ name: 'If-Match', required: false })
  async close(
    @Param() { id }: IdParam,
    @Body() dto: CloseNeedDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.lifecycle.close(id, dto, brokerOf(broker), versionFromIfMatch(ifMatch, { required: false })));
  }

  @Post(':id/follow-ups')
  @HttpCode(201)
  @ApiOperation({ summary: 'Log a follow-up (走访, 电话, 对接会, 备注) on the need; it is listed in the need’s followUps' })
  async followUp(@Param() { id }: IdParam, @Body() dto: FollowUpDto, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.needs.logFollowUp(id, dto, { subject: broker.subject, parkId: parkOf(broker) }));
  }

  @Get()
  @ApiOperation({ summary: 'List the park’s needs, newest first, with filters and pagination' })
  list(@Query() query: ListNeedsQuery, @CurrentPrincipal() broker: Principal) {
    return this.needs.list(parkOf(broker), query);
  }
}

const brokerOf = (principal: Principal) => ({ subject: principal.subject, parkId: parkOf(principal) });
