import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SUPPLY_KIND_CODES, TECHNICAL_FIELD_CODES } from '@tt/contracts';
import { PageQuery } from '@tt/platform';
import { CatalogueService } from './catalogue.service';

export class CatalogueQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUPPLY_KIND_CODES })
  @IsOptional()
  @IsIn(SUPPLY_KIND_CODES)
  kind?: string;

  @ApiPropertyOptional({ enum: TECHNICAL_FIELD_CODES })
  @IsOptional()
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField?: string;
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
