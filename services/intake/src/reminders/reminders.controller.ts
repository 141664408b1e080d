import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentPrincipal, PageQuery, parkOf, Roles, type Principal } from '@tt/platform';
import { RemindersService } from './reminders.service';

export class RemindersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['open', 'cleared'], default: 'open' })
  @IsOptional()
  @IsIn(['open', 'cleared'])
  status?: 'open' | 'cleared';
}

@ApiTags('reminders')
@Roles('broker')
@Controller('reminders')
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Get()
  @ApiOperation({
    summary:
      'The signed-in broker’s overdue list (待跟进): proposals without a decision and deals left at intent or signed past the configured wait, oldest due first; an item clears itself when the proposal is decided or the deal moves on',
  })
  list(@Query() q: RemindersQuery, @CurrentPrincipal() broker: Principal) {
    return this.reminders.list(parkOf(broker), broker.subject, q.status ?? 'open', q.page, q.pageSize);
  }
}
