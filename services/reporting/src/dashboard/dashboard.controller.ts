import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { resolve } from 'node:path';
import { Public } from '@tt/platform';
import { config } from '../config';

/** The page and its assets; ECharts comes from the npm package (no CDN). Paths are fixed: nothing from the URL reaches the file system. */
const DASHBOARD_DIR = resolve(config.dashboardDir);
const ASSETS: Record<string, { file: string; type: string }> = {
  'dashboard.js': { file: resolve(DASHBOARD_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: resolve(DASHBOARD_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'echarts.min.js': { file: require.resolve('echarts/dist/echarts.min.js'), type: 'text/javascript; charset=utf-8' },
};

/** The page may load only its own scripts and styles, and talk only to this service. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The dashboard (技术合同成交统计看板): a static page, public like any sign-in page. The figures it
 * shows come from GET /totals and GET /events/stream with the analyst's token, which the page holds
 * in the tab's sessionStorage only.
 */
@ApiTags('dashboard')
@Public()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @ApiOperation({ security: [], summary: 'The dashboard page (HTML): totals by month against last year, park, field, contract type, 输出/吸纳 and the funnel, live over the SSE stream' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  page(@Res() res: Response) {
    res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Cache-Control': 'no-cache' }).type('text/html; charset=utf-8').sendFile(resolve(DASHBOARD_DIR, 'index.html'));
  }

  @Get(':asset')
  @ApiExcludeEndpoint()
  asset(@Param('asset') name: string, @Res() res: Response) {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException();
    res.set({ 'Cache-Control': 'public, max-age=300' }).type(asset.type).sendFile(asset.file);
  }
}
