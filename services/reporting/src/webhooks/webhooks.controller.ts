import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiRules, CurrentPrincipal, IdParam, PageQuery, type Principal, Roles } from '@tt/platform';
import { CreateWebhookDto, ReplayDto } from './webhook.dto';
import { WebhookDispatcher } from './webhook-delivery.queue';
import { subscriptionView, WebhooksService } from './webhooks.service';

/** Analysts manage their own webhooks; admins every one. */
@ApiTags('webhooks')
@Roles('analyst', 'admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @ApiRules('webhook-target')
  @Post()
  @ApiOperation({ summary: 'Subscribe an endpoint to deal events (Standard Webhooks); the answer holds the signing secret, shown this once' })
  async create(@Body() dto: CreateWebhookDto, @CurrentPrincipal() principal: Principal) {
    const created = await this.webhooks.create(dto, principal);
    await this.dispatcher.wake(created.id);
    return created;
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s webhooks (an admin’s: every one)' })
  list(@CurrentPrincipal() principal: Principal) {
    return this.webhooks.list(principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook: status, position in the event log, failures' })
  async get(@Param() { id }: IdParam, @CurrentPrincipal() principal: Principal) {
    return subscriptionView(await this.webhooks.get(id, principal));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Unsubscribe' })
  async remove(@Param() { id }: IdParam, @CurrentPrincipal() principal: Principal) {
    await this.webhooks.remove(id, principal);
  }

  @Post(':id/secret/rotate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Issue a new signing secret; the previous one keeps signing beside it for the overlap (24 h by default)' })
  rotate(@Param() { id }: IdParam, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.rotateSecret(id, principal);
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Deliver again every event after a position of the event log; re-enables a disabled webhook' })
  async replay(@Param() { id }: IdParam, @Body() dto: ReplayDto, @CurrentPrincipal() principal: Principal) {
    const view = await this.webhooks.replay(id, dto.after, principal);
    await this.dispatcher.wake(id);
    return view;
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Re-enable a disabled webhook where it stopped' })
  async enable(@Param() { id }: IdParam, @CurrentPrincipal() principal: Principal) {
    const view = await this.webhooks.enable(id, principal);
    await this.dispatcher.wake(id);
    return view;
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log, newest first: every attempt with its status code or error (kept 30 days)' })
  deliveries(@Param() { id }: IdParam, @Query() q: PageQuery, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.deliveriesOf(id, principal, q.page, q.pageSize);
  }
}
