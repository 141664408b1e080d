import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiRules, CurrentPrincipal, type Principal, Roles, versionFromIfMatch, withETag } from '@tt/platform';
import { CATALOGUE_COLUMNS, CatalogueImportService } from './catalogue-import';
import { CatalogueService } from './catalogue.service';
import { CatalogueQuery, CreateSupplyDto, RetireSupplyDto, ReviseSupplyDto, SupplyIdParam } from './supply.dto';

/** The supply catalogue: anyone signed in browses it; admins list, revise and retire items. */
@ApiTags('catalogue')
@Controller('catalogue')
export class CatalogueController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly importer: CatalogueImportService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Browse the supply catalogue (six kinds), with filters; `status=active` leaves out retired items' })
  list(@Query() q: CatalogueQuery) {
    return this.catalogue.list({ kind: q.kind, technicalField: q.technicalField, status: q.status, regionCode: q.regionCode }, q.page, q.pageSize);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a catalogue item, with its ETag (its revision)' })
  async get(@Param() { id }: SupplyIdParam, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.catalogue.get(id));
  }

  @ApiRules('supply-kind-details')
  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'List a new item (201) and publish supply listed; matching scores it against the open needs' })
  async create(@Body() dto: CreateSupplyDto, @CurrentPrincipal() admin: Principal, @Res({ passthrough: true }) res: Response) {
    const item = await this.catalogue.create(dto, { subject: admin.subject });
    res.status(201).setHeader('Location', `/catalogue/${item.id}`);
    return withETag(res, item);
  }

  @ApiRules('spreadsheet-file')
  @Post('import')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: `Import a catalogue sheet (XLSX or UTF-8 CSV, up to 2,000 rows; multipart field \`file\`) with the columns ${Object.values(CATALOGUE_COLUMNS).join(', ')}: each row is listed, revised or left unchanged (found by 编号, else by type, name and organisation), with the same events as the API; a row with problems changes nothing. Answers the outcome of every row`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 5 * 1024 * 1024, files: 1 } }))
  import(@UploadedFile() file: { originalname: string; buffer: Buffer } | undefined, @CurrentPrincipal() admin: Principal) {
    return this.importer.import(file, { subject: admin.subject });
  }

  @ApiRules('supply-kind-details', 'revision-changes-something')
  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Revise an item and publish supply revised (the open needs are scored again). If-Match required: 428 without, 412 stale; 409 when retired' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag read, e.g. "0"' })
  async revise(
    @Param() { id }: SupplyIdParam,
    @Body() dto: ReviseSupplyDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() admin: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const revision = versionFromIfMatch(ifMatch, { required: true });
    return withETag(res, await this.catalogue.revise(id, dto, { subject: admin.subject }, revision));
  }

  @Post(':id/retire')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Retire an item and publish supply retired: never proposed again; its open proposals can no longer be accepted (409). If-Match optional' })
  @ApiHeader({ name: 'If-Match', required: false })
  async retire(
    @Param() { id }: SupplyIdParam,
    @Body() dto: RetireSupplyDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() admin: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.catalogue.retire(id, dto.reason, { subject: admin.subject }, versionFromIfMatch(ifMatch, { required: false })));
  }
}
