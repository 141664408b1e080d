import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { REJECTION_REASON_CODES, type RejectionReason } from '@tt/contracts';
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
  @ApiProperty({
    enum: REJECTION_REASON_CODES,
    description: '资源类型不对 / 技术领域不对 / 距离太远 / 技术不够成熟 / 价格或额度不合适 / 企业不符合条件 / 企业已接触过 / 其他: the ranking learns from it',
  })
  @IsIn(REJECTION_REASON_CODES)
  reasonCode: RejectionReason;

  @ApiPropertyOptional({ example: '企业已与其他院所合作', maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
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

  @Get('proposals/acceptance')
  @Roles('admin', 'analyst')
  @ApiOperation({
    summary: 'How brokers received each model version’s proposals: proposed, accepted, rejected by reason code, and the acceptance rate among decided ones',
  })
  acceptance() {
    return this.proposals.acceptanceByModelVersion();
  }

  @Post('proposals/:proposalId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a proposal (publishes match accepted, which opens a deal)' })
  accept(@Param() { proposalId }: ProposalIdParam, @CurrentPrincipal() broker: Principal) {
    return this.proposals.accept(proposalId, { subject: broker.subject, parkId: parkOf(broker) });
  }

  @Post('proposals/:proposalId/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a proposal with a reason code and optional words (publishes match rejected; later rankings of similar needs learn from it)' })
  reject(@Param() { proposalId }: ProposalIdParam, @Body() dto: RejectProposalDto, @CurrentPrincipal() broker: Principal) {
    return this.proposals.reject(proposalId, dto, { subject: broker.subject, parkId: parkOf(broker) });
  }
}
