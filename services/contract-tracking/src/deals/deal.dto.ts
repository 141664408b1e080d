import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CONTRACT_TYPE_CODES, type ContractType } from '@tt/contracts';
import { PageQuery } from '@tt/platform';
import type { DealStatus } from './deal.schema';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export class ContractPartyDto {
  @ApiProperty({ enum: ['buyer', 'seller', 'intermediary'], description: '委托方/受让方 (buyer), 受托方/让与方 (seller), 中介方' })
  @IsIn(['buyer', 'seller', 'intermediary'])
  role: 'buyer' | 'seller' | 'intermediary';

  @ApiProperty({ example: '中国科学院微电子研究所' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class SignContractDto {
  @ApiProperty({ enum: CONTRACT_TYPE_CODES, description: '技术开发 / 转让 / 许可 / 咨询 / 服务' })
  @IsIn(CONTRACT_TYPE_CODES)
  contractType: ContractType;

  @ApiProperty({ type: [ContractPartyDto], minItems: 2 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ContractPartyDto)
  parties: ContractPartyDto[];

  @ApiProperty({ example: '2026-11-20', description: 'Signing date (YYYY-MM-DD)' })
  @Matches(DATE_ONLY, { message: 'signedOn must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  signedOn: string;

  @ApiProperty({ description: '合同成交额 in fen (分)', example: 300_000_000 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  contractAmountFen: number;

  @ApiProperty({ description: '技术交易额 in fen (分), at most the contract amount', example: 250_000_000 })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  techTransactionAmountFen: number;
}

export class RegisterContractDto {
  @ApiProperty({ description: '技术合同登记号', example: '2026320500001234' })
  @IsString()
  @Matches(/^[0-9A-Za-z-]{6,64}$/, { message: 'registrationNumber must be 6 to 64 letters, digits or dashes' })
  registrationNumber: string;

  @ApiProperty({ example: '2026-11-22', description: 'Registration date (YYYY-MM-DD)' })
  @Matches(DATE_ONLY, { message: 'registeredOn must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  registeredOn: string;
}

export class CancelDealDto {
  @ApiProperty({ example: '企业经营调整，合作终止' })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class DealIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class ListDealsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['intent', 'signed', 'registered', 'cancelled'] })
  @IsOptional()
  @IsIn(['intent', 'signed', 'registered', 'cancelled'])
  status?: DealStatus;

  @ApiPropertyOptional({ description: 'The deal opened by this accepted proposal (at most one)' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  proposalId?: string;

  @ApiPropertyOptional({ description: 'The deals of one need' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  needId?: string;
}
