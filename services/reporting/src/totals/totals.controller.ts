import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { CurrentPrincipal, fileDownload, XLSX_CONTENT_TYPE, type Principal } from '@tt/platform';
import { REPORT_TABLE_NAMES, reportTables, toCsv, toXlsx } from './totals-export';
import { TotalsQueries } from './totals.queries';

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

export class ExportQuery extends TotalsQuery {
  @ApiPropertyOptional({ enum: ['xlsx', 'csv'], default: 'xlsx', description: 'xlsx: every table, one sheet each; csv: the one table named' })
  @IsOptional()
  @IsIn(['xlsx', 'csv'])
  format?: 'xlsx' | 'csv';

  @ApiPropertyOptional({ enum: REPORT_TABLE_NAMES, description: 'The table (csv only; xlsx holds them all). Defaults to byMonth' })
  @IsOptional()
  @IsIn(REPORT_TABLE_NAMES)
  table?: (typeof REPORT_TABLE_NAMES)[number];
}

@ApiTags('totals')
@Controller('totals')
export class TotalsController {
  constructor(private readonly totals: TotalsQueries) {}

  @Get()
  @ApiOperation({ summary: '技术合同成交额: registered-contract totals by month (with 同比), park, region, type, field and broker, plus the funnel' })
  get(@Query() q: TotalsQuery, @CurrentPrincipal() principal: Principal) {
    const parkId = principal.role === 'broker' ? principal.parkId : q.parkId;
    return this.totals.totals(q.year ?? new Date().getFullYear(), parkId);
  }

  @Get('export')
  @ApiOperation({ summary: 'The same totals as tables to file: XLSX (one sheet per table) or CSV (one table, UTF-8 with BOM); amounts in 元' })
  @ApiProduces(XLSX_CONTENT_TYPE, 'text/csv')
  async export(@Query() q: ExportQuery, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response) {
    const parkId = principal.role === 'broker' ? principal.parkId : q.parkId;
    const year = q.year ?? new Date().getFullYear();
    const tables = reportTables(await this.totals.totals(year, parkId));
    const scope = `${year}${parkId ? `-${parkId}` : ''}`;
    if ((q.format ?? 'xlsx') === 'csv') {
      const name = q.table ?? 'byMonth';
      return fileDownload(res, toCsv(tables.find((t) => t.name === name)!), 'text/csv; charset=utf-8', `技术合同成交统计-${scope}-${name}.csv`);
    }
    const xlsx = await toXlsx(tables, `技术合同成交统计 ${scope}`);
    return fileDownload(res, xlsx, XLSX_CONTENT_TYPE, `技术合同成交统计-${scope}.xlsx`);
  }
}

