import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, MaxLength, Min, Max, ValidateIf } from 'class-validator';
import { ANALYST_EVENT_TYPES } from '../analyst-events/analyst-events.service';

export class CreateWebhookDto {
  @ApiProperty({ description: 'The endpoint deliveries are posted to (https; http only outside production)', maxLength: 2000, example: 'https://stats.example.gov.cn/hooks/deals' })
  @IsString()
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true })
  url!: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ description: 'Event types to deliver (empty or absent: all)', enum: ANALYST_EVENT_TYPES, isArray: true, maxItems: ANALYST_EVENT_TYPES.length })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ANALYST_EVENT_TYPES.length)
  @IsIn(ANALYST_EVENT_TYPES, { each: true })
  types?: string[];

  @ApiPropertyOptional({ description: 'Parks in the analyst’s scope (empty or absent: all)', isArray: true, maxItems: 100, type: String, pattern: '^[A-Za-z0-9_-]{1,64}$' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true })
  parks?: string[];

  @ApiPropertyOptional({ description: 'Start after this position of the event log (0: from the first event; absent: only events from now on; null is refused)', minimum: 0, type: 'integer' })
  // Absent means "from now on"; null has no meaning of its own, so it is a 400 rather than read as absent.
  @ValidateIf((_, value) => value !== undefined)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;
}

export class ReplayDto {
  @ApiProperty({ description: 'Deliver again every event after this position of the event log (0: from the first)', minimum: 0, type: 'integer' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after!: number;
}
