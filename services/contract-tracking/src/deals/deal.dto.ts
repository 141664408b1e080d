import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import {
  CONTRACT_SUBTYPE_CODES,
  CONTRACT_SUBTYPES,
  CONTRACT_TYPE_CODES,
  IP_TYPE_CODES,
  PARTY_NATURE_CODES,
  PARTY_NATURES,
  PARTY_ROLE_CODES,
  REGION_CODE_PATTERN,
  REGISTRY_TECHNICAL_FIELD_CODES,
  SOCIOECONOMIC_OBJECTIVE_CODES,
  UNIFIED_SOCIAL_CREDIT_CODE_PATTERN,
  type ContractSubtype,
  type ContractType,
  type IpType,
  type PartyNature,
  type PartyRole,
  type RegistryTechnicalField,
  type SocioeconomicObjective,
} from '@tt/contracts';
import { DATE_ONLY_PATTERN, HasCreditCodeCheckCharacter, IsKnownRegion, PageQuery } from '@tt/platform';
import { DEAL_STATUSES, type DealStatus } from './deal.schema';


/** 当事人, as the contract names it and the registry tables it (技术输出 by seller, 技术吸纳 by buyer). */
export class ContractPartyDto {
  @ApiProperty({ enum: PARTY_ROLE_CODES, description: '委托方/受让方/被许可方 (buyer), 受托方/让与方/许可方 (seller), 中介方' })
  @IsIn(PARTY_ROLE_CODES)
  role: PartyRole;

  @ApiProperty({ example: '中国科学院微电子研究所', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: PARTY_NATURE_CODES, description: `主体性质: ${Object.values(PARTY_NATURES).join(' / ')}` })
  @IsIn(PARTY_NATURE_CODES)
  nature: PartyNature;

  @ApiPropertyOptional({ description: '统一社会信用代码 (GB 32100, check character verified); not for individuals or overseas parties' })
  @IsOptional()
  @IsString()
  @Matches(UNIFIED_SOCIAL_CREDIT_CODE_PATTERN, { message: 'creditCode must be an 18-character unified social credit code' })
  @HasCreditCodeCheckCharacter()
  creditCode?: string;

  @ApiPropertyOptional({ description: '行政区划代码 of a domestic party (required unless nature is overseas)', example: '110108' })
  @ValidateIf((p: ContractPartyDto) => p.nature !== 'overseas' || p.regionCode !== undefined)
  @IsString({ message: 'regionCode is required for a domestic party (6-digit GB/T 2260 code)' })
  @Matches(REGION_CODE_PATTERN, { message: 'regionCode must be a 6-digit administrative division code' })
  @IsKnownRegion()
  regionCode?: string;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 country of an overseas party (required when nature is overseas)', example: 'DE' })
  @ValidateIf((p: ContractPartyDto) => p.nature === 'overseas' || p.countryCode !== undefined)
  @IsString({ message: 'countryCode is required for an overseas party (ISO 3166-1 alpha-2)' })
  @Matches(/^[A-Z]{2}$/, { message: 'countryCode must be an ISO 3166-1 alpha-2 code such as DE' })
  countryCode?: string;
}

/** A contract's parties: 2 to 10, each checked as a ContractPartyDto. */
const PartiesList = () => applyDecorators(IsArray(), ArrayMinSize(2), ArrayMaxSize(10), ValidateNested({ each: true }), Type(() => ContractPartyDto));

export class SignContractDto {
  @ApiProperty({ enum: CONTRACT_TYPE_CODES, description: '技术开发 / 转让 / 许可 / 咨询 / 服务' })
  @IsIn(CONTRACT_TYPE_CODES)
  contractType: ContractType;

  @ApiProperty({
    enum: CONTRACT_SUBTYPE_CODES,
    description: `合同类别, a subtype of contractType: ${CONTRACT_SUBTYPE_CODES.map((c) => `${c} ${CONTRACT_SUBTYPES[c].label}`).join('; ')}`,
  })
  @IsIn(CONTRACT_SUBTYPE_CODES)
  contractSubtype: ContractSubtype;

  @ApiProperty({ type: [ContractPartyDto], minItems: 2, maxItems: 10 })
  @PartiesList()
  parties: ContractPartyDto[];

  @ApiProperty({ example: '2026-11-20', format: 'date', description: 'Signing date (YYYY-MM-DD)' })
  @Matches(DATE_ONLY_PATTERN, { message: 'signedOn must be a date as YYYY-MM-DD' })
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

/** What the registry decided about a contract: the fields of 技术合同认定登记 beyond the contract itself. */
class RegistryClassificationDto {
  @ApiProperty({ enum: REGISTRY_TECHNICAL_FIELD_CODES, description: '技术领域 of the registry statistics (not the eight 高新技术领域)' })
  @IsIn(REGISTRY_TECHNICAL_FIELD_CODES)
  registryTechnicalField: RegistryTechnicalField;

  @ApiProperty({ enum: IP_TYPE_CODES, description: '知识产权类型' })
  @IsIn(IP_TYPE_CODES)
  ipType: IpType;

  @ApiProperty({ enum: SOCIOECONOMIC_OBJECTIVE_CODES, description: '社会经济目标' })
  @IsIn(SOCIOECONOMIC_OBJECTIVE_CODES)
  socioeconomicObjective: SocioeconomicObjective;
}

export class RegisterContractDto extends RegistryClassificationDto {
  @ApiPropertyOptional({ enum: CONTRACT_SUBTYPE_CODES, description: '合同类别 as registered; defaults to the one signed' })
  @IsOptional()
  @IsIn(CONTRACT_SUBTYPE_CODES)
  contractSubtype?: ContractSubtype;

  @ApiProperty({
    description: '技术合同登记编号: year of registration (4 digits), the registering office’s region code (6), serial (6)',
    example: '2026320506000123',
  })
  @IsString()
  @Matches(/^\d{16}$/, { message: 'registrationNumber must be 16 digits: year, the office’s 6-digit region code, a 6-digit serial' })
  registrationNumber: string;

  @ApiProperty({ example: '2026-11-22', format: 'date', description: 'Registration date (YYYY-MM-DD)' })
  @Matches(DATE_ONLY_PATTERN, { message: 'registeredOn must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true })
  registeredOn: string;

  @ApiPropertyOptional({ description: '登记机构 name; defaults to the technology-contract registry of the region in the number', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  registryOfficeName?: string;

  @ApiPropertyOptional({ type: [ContractPartyDto], minItems: 2, maxItems: 10, description: 'The parties as registered; defaults to the parties signed' })
  @IsOptional()
  @PartiesList()
  parties?: ContractPartyDto[];

  @ApiPropertyOptional({ description: '合同成交额 as registered, fen; defaults to the amount signed', example: 300_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  contractAmountFen?: number;

  @ApiPropertyOptional({ description: '技术交易额 as registered (the registry may set it below what was declared), fen; defaults to the amount signed' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  techTransactionAmountFen?: number;
}

/**
 * A correction (补正) or amendment (变更) of a registered contract: the fields that change, the rest
 * as they stand. The registration number, office, date and contract type never change (a different
 * type is a different contract, registered anew).
 */
export class RegistrationChangeDto extends PartialType(
  PickType(RegisterContractDto, ['contractSubtype', 'parties', 'registryTechnicalField', 'ipType', 'socioeconomicObjective', 'contractAmountFen', 'techTransactionAmountFen'] as const),
) {
  @ApiProperty({ example: '登记时技术交易额核定有误，予以补正', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class RevokeRegistrationDto {
  @ApiProperty({ example: '合同被认定为非技术合同，撤销登记', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class CancelDealDto {
  @ApiProperty({ example: '企业经营调整，合作终止' })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export { IdParam as DealIdParam } from '@tt/platform';

export class ListDealsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DEAL_STATUSES })
  @IsOptional()
  @IsIn(DEAL_STATUSES)
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
