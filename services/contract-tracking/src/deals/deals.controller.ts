import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiRules, CurrentPrincipal, FollowUpDto, parkOf, type Principal, Roles, versionFromIfMatch, withETag } from '@tt/platform';
import { CancelDealDto, DealIdParam, ListDealsQuery, RegisterContractDto, RegistrationChangeDto, RevokeRegistrationDto, SignContractDto } from './deal.dto';
import { DealsService } from './deals.service';

@ApiTags('deals')
@Roles('broker')
@Controller('deals')
export class DealsController {
  constructor(private readonly deals: DealsService) {}

  @Get()
  @ApiOperation({ summary: 'The park’s deals, newest first' })
  list(@Query() query: ListDealsQuery, @CurrentPrincipal() broker: Principal) {
    return this.deals.list(parkOf(broker), query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a deal with its contract, registration (the registry record as it stands, its revision and changes) and history, with its ETag' })
  async get(@Param() { id }: DealIdParam, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.deals.get(id, parkOf(broker)));
  }

  @ApiRules('contract-parties', 'contract-fields-agree')
  @Post(':id/sign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the signed technology contract (intent → signed); 409 from any other status' })
  sign(@Param() { id }: DealIdParam, @Body() dto: SignContractDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.sign(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @ApiRules('contract-parties', 'contract-fields-agree')
  @Post(':id/register')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Record the contract registration (signed → registered); creates the logged technology transaction. 201; 409 from any status but signed, or when the registration number is already registered',
  })
  register(@Param() { id }: DealIdParam, @Body() dto: RegisterContractDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.register(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @ApiRules('contract-parties', 'contract-fields-agree', 'revision-changes-something')
  @Post(':id/registration/corrections')
  @HttpCode(200)
  @ApiOperation({
    summary:
      '补正: correct the registered record (the fields sent change, the rest stand); publishes transaction corrected, which reverses and restates the figures. Requires If-Match: 428 without, 412 when the deal changed since; 409 unless registered',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the deal as read, e.g. "3"' })
  correct(
    @Param() { id }: DealIdParam,
    @Body() dto: RegistrationChangeDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeRegistration('correction', id, dto, ifMatch, broker, res);
  }

  @ApiRules('contract-parties', 'contract-fields-agree', 'revision-changes-something')
  @Post(':id/registration/amendments')
  @HttpCode(200)
  @ApiOperation({ summary: '变更: record an amendment of the registered contract; publishes transaction amended. If-Match as for corrections' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the deal as read, e.g. "3"' })
  amend(
    @Param() { id }: DealIdParam,
    @Body() dto: RegistrationChangeDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.changeRegistration('amendment', id, dto, ifMatch, broker, res);
  }

  @Post(':id/registration/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: '撤销登记: revoke the registration (registered → revoked); publishes transaction revoked, which reverses the figures. If-Match as for corrections' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the deal as read, e.g. "3"' })
  async revoke(
    @Param() { id }: DealIdParam,
    @Body() dto: RevokeRegistrationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() broker: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const version = versionFromIfMatch(ifMatch, { required: true });
    return withETag(res, await this.deals.revokeRegistration(id, dto, { subject: broker.subject, parkId: parkOf(broker) }, version));
  }

  @Post(':id/follow-ups')
  @HttpCode(201)
  @ApiOperation({ summary: 'Log a follow-up (走访, 电话, 对接会, 备注) on the deal; it is listed in the deal’s followUps' })
  async followUp(@Param() { id }: DealIdParam, @Body() dto: FollowUpDto, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.deals.logFollowUp(id, dto, { subject: broker.subject, parkId: parkOf(broker) }));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a deal before registration' })
  cancel(@Param() { id }: DealIdParam, @Body() dto: CancelDealDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.cancel(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  /** 补正 and 变更 differ only in the event they publish. */
  private async changeRegistration(kind: 'correction' | 'amendment', id: string, dto: RegistrationChangeDto, ifMatch: string | undefined, broker: Principal, res: Response) {
    const version = versionFromIfMatch(ifMatch, { required: true });
    return withETag(res, await this.deals.changeRegistration(id, kind, dto, { subject: broker.subject, parkId: parkOf(broker) }, version));
  }
}
