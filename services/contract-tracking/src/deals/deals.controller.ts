import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, parkOf, Roles, type Principal } from '@tt/platform';
import { CancelDealDto, DealIdParam, ListDealsQuery, RegisterContractDto, SignContractDto } from './deal.dto';
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
  @ApiOperation({ summary: 'Read a deal with its contract, registration and history' })
  get(@Param() { id }: DealIdParam, @CurrentPrincipal() broker: Principal) {
    return this.deals.get(id, parkOf(broker));
  }

  @Post(':id/sign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the signed technology contract (intent → signed); 409 from any other status' })
  sign(@Param() { id }: DealIdParam, @Body() dto: SignContractDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.sign(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @Post(':id/register')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Record the contract registration (signed → registered); creates the logged technology transaction. 201; 409 from any status but signed, or when the registration number is already registered',
  })
  register(@Param() { id }: DealIdParam, @Body() dto: RegisterContractDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.register(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a deal before registration' })
  cancel(@Param() { id }: DealIdParam, @Body() dto: CancelDealDto, @CurrentPrincipal() broker: Principal) {
    return this.deals.cancel(id, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }
}
