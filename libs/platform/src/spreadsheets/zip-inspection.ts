/**
 * An XLSX is a ZIP: what it would inflate to is declared in its central directory, readable without
 * inflating anything. Checked before any parser sees the file, so a 100 kB workbook holding a 100 MB
 * cell, or a million rows, is refused in microseconds instead of parsed for seconds.
 */
export interface ZipLimits {
  /** Entries in the archive (an XLSX has a dozen or two). */
  maxEntries: number;
  /** The sum of the entries' declared uncompressed sizes. */
  maxUncompressedBytes: number;
  /** Uncompressed over compressed size of any one entry: XML compresses 5–20×, a bomb 1000×. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 200, maxUncompressedBytes: 25 * 1024 * 1024, maxRatio: 200 };

export type ZipVerdict = { ok: true; entries: number; uncompressedBytes: number } | { ok: false; reason: string; tooLarge: boolean };

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;

export function inspectZip(bytes: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipVerdict {
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { ok: false, reason: 'not a readable XLSX (no ZIP directory)', tooLarge: false };
  const entries = bytes.readUInt16LE(eocd + 10);
  const directorySize = bytes.readUInt32LE(eocd + 12);
  const directoryOffset = bytes.readUInt32LE(eocd + 16);
  if (entries === 0xffff || directoryOffset === 0xffffffff) return { ok: false, reason: 'a ZIP64 archive is not an XLSX this service takes', tooLarge: true };
  if (entries > limits.maxEntries) return { ok: false, reason: `the workbook has ${entries} parts (at most ${limits.maxEntries})`, tooLarge: true };
  if (directoryOffset + directorySize > eocd) return { ok: false, reason: 'not a readable XLSX (ZIP directory out of bounds)', tooLarge: false };
  let at = directoryOffset;
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) return { ok: false, reason: 'not a readable XLSX (bad ZIP directory)', tooLarge: false };
    const compressed = bytes.readUInt32LE(at + 20);
    const uncompressed = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    if (compressed === 0xffffffff || uncompressed === 0xffffffff) return { ok: false, reason: 'a ZIP64 entry is not an XLSX this service takes', tooLarge: true };
    total += uncompressed;
    if (total > limits.maxUncompressedBytes) {
      return { ok: false, reason: `the workbook inflates to more than ${Math.round(limits.maxUncompressedBytes / 1024 / 1024)} MB`, tooLarge: true };
    }
    if (uncompressed > 1024 * 1024 && uncompressed / Math.max(1, compressed) > limits.maxRatio) {
      return { ok: false, reason: `a part of the workbook inflates ${Math.round(uncompressed / Math.max(1, compressed))}-fold (a compression bomb)`, tooLarge: true };
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, entries, uncompressedBytes: total };
}
