import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import { CurrentPrincipal, parkOf, Roles, type Principal } from '@tt/platform';
import { ProposalsService } from './proposals.service';

export class NeedIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  needId: string;
}

export class ProposalIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  proposalId: string;
}

export class RejectProposalDto {
  @ApiProperty({ example: '企业已与其他院所合作', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

@ApiTags('proposals')
@Roles('broker')
@Controller()
export class ProposalsController {
  constructor(private readonly proposals: ProposalsService) {}

  @Get('needs/:needId/proposals')
  @ApiOperation({ summary: 'A need’s proposed supply, ranked, with each score’s reasons' })
  list(@Param() { needId }: NeedIdParam, @CurrentPrincipal() broker: Principal) {
    return this.proposals.listForNeed(needId, parkOf(broker));
  }

  @Post('proposals/:proposalId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a proposal (publishes match accepted, which opens a deal)' })
  accept(@Param() { proposalId }: ProposalIdParam, @CurrentPrincipal() broker: Principal) {
    return this.proposals.accept(proposalId, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @Post('proposals/:proposalId/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a proposal with a reason (publishes match rejected)' })
  reject(@Param() { proposalId }: ProposalIdParam, @Body() dto: RejectProposalDto, @CurrentPrincipal() broker: Principal) {
    return this.proposals.reject(proposalId, dto.reason, { subject: broker.subject, parkId: parkOf(broker) });
  }
}
