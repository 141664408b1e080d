import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { SUPPLY_KIND_CODES, TECHNICAL_FIELD_CODES } from '@tt/contracts';
import { CatalogueService } from './catalogue.service';

export class CatalogueQuery {
  @ApiPropertyOptional({ enum: SUPPLY_KIND_CODES })
  @IsOptional()
  @IsIn(SUPPLY_KIND_CODES)
  kind?: string;

  @ApiPropertyOptional({ enum: TECHNICAL_FIELD_CODES })
  @IsOptional()
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField?: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize: number = 50;
}

@ApiTags('catalogue')
@Controller('catalogue')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  @ApiOperation({ summary: 'Browse the supply catalogue (institutions, experts, 科技成果)' })
  list(@Query() q: CatalogueQuery) {
    return this.catalogue.list({ kind: q.kind, technicalField: q.technicalField }, q.page, q.pageSize);
  }
}
