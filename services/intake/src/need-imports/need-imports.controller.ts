import { Controller, Get, HttpCode, Param, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import type { Response } from 'express';
import { ApiRules, CurrentPrincipal, fileDownload, parkOf, type Principal, Roles, XLSX_CONTENT_TYPE as XLSX } from '@tt/platform';
import { NeedImportsService } from './need-imports.service';

/** 10 MB holds 10,000 rows of the form with room to spare. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** The parts of multer's file the import reads (memory storage). */
interface UploadedForm {
  originalname: string;
  buffer: Buffer;
  size: number;
}

export class ImportIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

@ApiTags('need imports')
@Roles('broker')
@Controller('needs/imports')
export class NeedImportsController {
  constructor(private readonly imports: NeedImportsService) {}

  @Get('template')
  @ApiOperation({ summary: 'The blank 需求征集表 (XLSX): Chinese column headers (required ones marked *), drop-down lists, and a guide sheet with the allowed values' })
  @ApiProduces(XLSX)
  async template(@Res({ passthrough: true }) res: Response) {
    return fileDownload(res, await this.imports.template(), XLSX, '需求征集表.xlsx');
  }

  @ApiRules('spreadsheet-file')
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Upload a filled 需求征集表 (XLSX or UTF-8 CSV, up to 10,000 rows) as multipart field `file`: 202 with the import, which a background job runs. Every row is checked with the API’s rules; valid rows become needs (and their enterprises, matched by credit code); invalid rows change nothing; a row uploaded again creates nothing new',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }))
  async upload(@UploadedFile() file: UploadedForm | undefined, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    const created = await this.imports.upload(file, { ...broker, parkId: parkOf(broker) });
    res.setHeader('Location', created.links.self);
    return created;
  }

  @Get(':id')
  @ApiOperation({ summary: 'An import’s status (queued, running, done, failed), progress (processed of total) and counts' })
  get(@Param() { id }: ImportIdParam, @CurrentPrincipal() broker: Principal) {
    return this.imports.get(id, parkOf(broker));
  }

  @Get(':id/report')
  @ApiOperation({ summary: 'The per-row report (XLSX): a sheet of problems (row, column, problem) and one of every row’s outcome. 409 until the import is done' })
  @ApiProduces(XLSX)
  async report(@Param() { id }: ImportIdParam, @CurrentPrincipal() broker: Principal, @Res({ passthrough: true }) res: Response) {
    const report = await this.imports.report(id, parkOf(broker));
    if ('status' in report) {
      res.status(409).type('application/problem+json');
      return { type: '/problems/conflict', title: 'Conflict', status: 409, detail: `the import is ${report.status}; its report is ready when it is done`, currentStatus: report.status };
    }
    return fileDownload(res, report.bytes, XLSX, report.filename);
  }
}

