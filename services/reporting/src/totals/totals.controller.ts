import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CurrentPrincipal, type Principal } from '@tt/platform';
import { TotalsService } from './totals.service';

export class TotalsQuery {
  @ApiPropertyOptional({ description: 'Statistical year (by registration date); defaults to the current year' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;

  @ApiPropertyOptional({ description: 'Analysts only: narrow to one park (brokers always see their own park)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  parkId?: string;
}

@ApiTags('totals')
@Controller('totals')
export class TotalsController {
  constructor(private readonly totals: TotalsService) {}

  @Get()
  @ApiOperation({ summary: '技术合同成交额: registered-contract totals by month (with 同比), park, region, type, field and broker, plus the funnel' })
  get(@Query() q: TotalsQuery, @CurrentPrincipal() principal: Principal) {
    const parkId = principal.role === 'broker' ? principal.parkId : q.parkId;
    return this.totals.totals(q.year ?? new Date().getFullYear(), parkId);
  }
}
