import { StreamableFile } from '@nestjs/common';
import type { Response } from 'express';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file download; the name in RFC 6266/5987 form, so a Chinese file name survives every browser. */
export function fileDownload(res: Response, bytes: Buffer, contentType: string, filename: string): StreamableFile {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`);
  return new StreamableFile(bytes);
}
