import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { DATE_ONLY_PATTERN } from './domain-validators';

/** 跟进记录: what a broker did about a need or a deal, and when. Intake and contract-tracking both take it. */
export const FOLLOW_UP_KINDS = { visit: '走访', call: '电话', meeting: '会议/对接会', message: '微信/邮件', note: '备注' } as const;
export type FollowUpKind = keyof typeof FOLLOW_UP_KINDS;
const FOLLOW_UP_KIND_CODES = Object.keys(FOLLOW_UP_KINDS) as FollowUpKind[];

export class FollowUpDto {
  @ApiProperty({ enum: FOLLOW_UP_KIND_CODES, description: Object.entries(FOLLOW_UP_KINDS).map(([k, v]) => `${k} ${v}`).join('; ') })
  @IsIn(FOLLOW_UP_KIND_CODES)
  kind: FollowUpKind;

  @ApiProperty({ example: '走访企业，确认芯片功耗指标与流片预算', maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  note: string;

  @ApiPropertyOptional({ example: '2026-11-23', format: 'date', description: 'The day it happened (YYYY-MM-DD); defaults to today' })
  @IsOptional()
  @Matches(DATE_ONLY_PATTERN, { message: 'on must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  on?: string;
}

/** A follow-up as stored on its need or deal. */
export interface FollowUp {
  kind: FollowUpKind;
  note: string;
  on: string;
  by: string;
  at: Date;
}

/** A need or a deal keeps at most this many follow-ups (every list has a bound; this one is the broker's log). */
export const MAX_FOLLOW_UPS = 200;

/** The update filter that lets a follow-up in only while the list is under the cap: one guarded update, any instance. */
export const FOLLOW_UP_ROOM = { [`followUps.${MAX_FOLLOW_UPS - 1}`]: { $exists: false } } as const;

export function followUpOf(dto: FollowUpDto, by: string): FollowUp {
  const at = new Date();
  return { kind: dto.kind, note: dto.note, on: dto.on ?? at.toISOString().slice(0, 10), by, at };
}
