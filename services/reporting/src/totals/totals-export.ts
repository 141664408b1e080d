import { stringify } from 'csv-stringify/sync';
import { neutraliseCell, writeXlsx } from '@tt/platform';
import { FUNNEL_STAGES } from '../funnel/funnel.schema';
import { DIMENSIONS, type Dimension } from './dimensions';
import type { TotalsReport } from './totals.queries';

/**
 * The totals as the tables an analyst files: one sheet per table in XLSX, one table per CSV (UTF-8
 * with a BOM, so Excel opens Chinese headers correctly). Amounts are in 元 with two decimals (exact:
 * fen / 100); growth rates are ratios (0.25 = +25 %), empty where there is nothing to compare with.
 */
export interface ReportTable {
  name: string;
  title: string;
  columns: { key: string; header: string; kind?: 'yuan' | 'ratio' | 'count' }[];
  rows: Record<string, string | number | null>[];
}

const yuan = (fen: number) => fen / 100;
const AMOUNT_COLUMNS = [
  { key: 'count', header: '合同数（项）', kind: 'count' },
  { key: 'contractAmount', header: '合同成交额（元）', kind: 'yuan' },
  { key: 'techTransactionAmount', header: '技术交易额（元）', kind: 'yuan' },
] as const;
const amounts = (a: { count: number; contractAmountFen: number; techTransactionAmountFen: number }) => ({
  count: a.count,
  contractAmount: yuan(a.contractAmountFen),
  techTransactionAmount: yuan(a.techTransactionAmountFen),
});

export const FUNNEL_LABELS: Record<(typeof FUNNEL_STAGES)[number] | 'cancelledDeals', string> = {
  captured: '征集需求',
  matched: '已匹配',
  accepted: '已对接',
  contracted: '已签约',
  registered: '已登记',
  cancelledDeals: '终止合作（项）',
};

export function reportTables(report: TotalsReport): ReportTable[] {
  const summary: ReportTable = {
    name: 'summary',
    title: '登记合同汇总',
    columns: [
      { key: 'year', header: '年度' },
      ...AMOUNT_COLUMNS,
      { key: 'previousYearContractAmount', header: '上年合同成交额（元）', kind: 'yuan' },
      { key: 'growth', header: '同比', kind: 'ratio' },
    ],
    rows: [
      {
        year: report.scope.year,
        ...amounts(report.registered),
        previousYearContractAmount: yuan(report.registered.previousYear.contractAmountFen),
        growth: report.registered.growth,
      },
    ],
  };
  const byMonth: ReportTable = {
    name: 'byMonth',
    title: '按月',
    columns: [
      { key: 'month', header: '月份' },
      ...AMOUNT_COLUMNS,
      { key: 'previousYearContractAmount', header: '上年同月合同成交额（元）', kind: 'yuan' },
      { key: 'growth', header: '同比', kind: 'ratio' },
      { key: 'monthOnMonth', header: '环比', kind: 'ratio' },
      { key: 'yearToDateContractAmount', header: '累计合同成交额（元）', kind: 'yuan' },
      { key: 'yearToDateTechTransactionAmount', header: '累计技术交易额（元）', kind: 'yuan' },
      { key: 'yearToDateGrowth', header: '累计同比', kind: 'ratio' },
    ],
    rows: report.byMonth.map((m) => ({
      month: m.month,
      ...amounts(m),
      previousYearContractAmount: yuan(m.previousYear.contractAmountFen),
      growth: m.growth,
      monthOnMonth: m.monthOnMonth,
      yearToDateContractAmount: yuan(m.yearToDate.contractAmountFen),
      yearToDateTechTransactionAmount: yuan(m.yearToDate.techTransactionAmountFen),
      yearToDateGrowth: m.yearToDateGrowth,
    })),
  };
  const breakdowns = (Object.keys(DIMENSIONS) as Dimension[]).map(
    (name): ReportTable => ({
      name,
      title: DIMENSIONS[name].title,
      columns: [{ key: 'key', header: '代码' }, { key: 'label', header: '名称' }, ...AMOUNT_COLUMNS],
      rows: report[name].map((row) => ({ key: row.key, label: row.label, ...amounts(row) })),
    }),
  );
  const funnel: ReportTable = {
    name: 'funnel',
    title: '需求转化漏斗',
    columns: [
      { key: 'stage', header: '阶段' },
      { key: 'label', header: '名称' },
      { key: 'count', header: '需求数（项）', kind: 'count' },
    ],
    rows: (Object.keys(FUNNEL_LABELS) as (keyof typeof FUNNEL_LABELS)[]).map((stage) => ({ stage, label: FUNNEL_LABELS[stage], count: report.funnel[stage] })),
  };
  const funnelByCohort: ReportTable = {
    name: 'funnelByCohort',
    title: '需求转化（按征集月份）',
    columns: [
      { key: 'cohort', header: '征集月份' },
      { key: 'captured', header: '征集需求', kind: 'count' },
      { key: 'matched', header: '已匹配', kind: 'count' },
      { key: 'accepted', header: '已对接', kind: 'count' },
      { key: 'contracted', header: '已签约', kind: 'count' },
      { key: 'registered', header: '已登记', kind: 'count' },
      { key: 'matchedRate', header: '匹配率', kind: 'ratio' },
      { key: 'acceptedRate', header: '对接率', kind: 'ratio' },
      { key: 'contractedRate', header: '签约率', kind: 'ratio' },
      { key: 'registeredRate', header: '登记率', kind: 'ratio' },
      { key: 'rejectedProposals', header: '被拒推荐（项）', kind: 'count' },
      { key: 'cancelledDeals', header: '终止合作（项）', kind: 'count' },
    ],
    rows: report.funnelByCohort.map(({ conversion, ...row }) => ({
      ...row,
      matchedRate: conversion.matched,
      acceptedRate: conversion.accepted,
      contractedRate: conversion.contracted,
      registeredRate: conversion.registered,
    })),
  };
  return [summary, byMonth, ...breakdowns, funnel, funnelByCohort];
}

export const REPORT_TABLE_NAMES = ['summary', 'byMonth', ...Object.keys(DIMENSIONS), 'funnel', 'funnelByCohort'] as const;

export function toCsv(table: ReportTable): Buffer {
  const text = stringify(
    table.rows.map((row) => table.columns.map((c) => neutraliseCell(row[c.key] ?? ''))),
    { header: true, columns: table.columns.map((c) => c.header), bom: true, record_delimiter: 'windows' },
  );
  return Buffer.from(text, 'utf8');
}

export async function toXlsx(tables: ReportTable[], subject: string): Promise<Buffer> {
  return writeXlsx(
    tables.map((table) => ({
      name: table.title,
      columns: table.columns.map((c) => ({ key: c.key, header: c.header, numFmt: c.kind === 'yuan' ? '#,##0.00' : c.kind === 'ratio' ? '0.00%' : undefined })),
      rows: table.rows,
    })),
    { subject },
  );
}
