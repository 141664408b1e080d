import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsKnownRegion, PageQuery } from '@tt/platform';
import {
  CONFIDENTIALITY_LEVELS,
  COOPERATION_MODE_CODES,
  NEED_CATEGORY_CODES,
  NEED_CLOSE_OUTCOME_CODES,
  NEED_HARD_CONSTRAINT_CODES,
  NEED_HARD_CONSTRAINTS,
  NEED_STATUS_CODES,
  REGION_CODE_PATTERN,
  SUPPLY_KIND_CODES,
  SUPPLY_KINDS,
  TECHNICAL_FIELD_CODES,
  type NeedCloseOutcome,
  type NeedHardConstraint,
  type SupplyKind,
  type NeedStatus,
  type Confidentiality,
  type CooperationMode,
  type NeedCategory,
  type TechnicalField,
} from '@tt/contracts';

/** An optional list of 1 to 20 distinct, known 行政区划代码 (the need's preferred and excluded regions). */
const RegionCodeList = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(20),
    ArrayUnique(),
    IsString({ each: true }),
    Matches(REGION_CODE_PATTERN, { each: true, message: '$property must hold 6-digit administrative division codes' }),
    IsKnownRegion({ each: true }),
  );

const labelled = (vocabulary: Record<string, string>) => Object.entries(vocabulary).map(([code, label]) => `${code} ${label}`).join(', ');

export class NeedContactDto {
  @ApiProperty({ example: '王工' })
  @IsString()
  @Length(1, 50)
  name: string;

  @ApiProperty({ description: 'Mobile (11 digits) or landline such as 0512-66668888', example: '13912345678' })
  @IsString()
  @Matches(/^(1\d{10}|0\d{2,3}-?\d{7,8})$/, { message: 'phone must be a mainland mobile or landline number' })
  phone: string;

  @ApiPropertyOptional({ example: 'wang@example.com' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class CreateNeedDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  enterpriseId: string;

  @ApiProperty({ example: '车规级碳化硅功率模块封装工艺改进', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiProperty({ example: '现有银烧结工艺良率偏低，希望与高校院所合作攻关高可靠性封装技术。', maxLength: 5000 })
  @IsString()
  @Length(1, 5000)
  description: string;

  @ApiProperty({ enum: NEED_CATEGORY_CODES, description: '技术攻关 / 成果转化 / 融资 / 人才 / 设备共享' })
  @IsIn(NEED_CATEGORY_CODES)
  category: NeedCategory;

  @ApiProperty({ enum: TECHNICAL_FIELD_CODES, description: '国家重点支持的高新技术领域' })
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField: TechnicalField;

  @ApiPropertyOptional({ type: [String], example: ['碳化硅', '功率模块', '封装'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  keywords?: string[];

  @ApiPropertyOptional({ description: 'Lower end of the budget, in fen (分)', example: 50_000_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  budgetMinFen?: number;

  @ApiPropertyOptional({ description: 'Upper end of the budget, in fen (分)', example: 200_000_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  budgetMaxFen?: number;

  @ApiProperty({ enum: COOPERATION_MODE_CODES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(COOPERATION_MODE_CODES, { each: true })
  cooperationModes: CooperationMode[];

  @ApiPropertyOptional({ enum: CONFIDENTIALITY_LEVELS, default: 'park-only' })
  @IsOptional()
  @IsIn(CONFIDENTIALITY_LEVELS)
  confidentiality?: Confidentiality;

  @ApiPropertyOptional({
    enum: SUPPLY_KIND_CODES,
    isArray: true,
    description: `需要的资源类型 (the kinds of supply wanted, when narrower than the category implies): ${labelled(SUPPLY_KINDS)}`,
    example: ['institution', 'expert'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUPPLY_KIND_CODES.length)
  @ArrayUnique()
  @IsIn(SUPPLY_KIND_CODES, { each: true })
  supplyKinds?: SupplyKind[];

  @ApiPropertyOptional({ description: '期望技术成熟度 TRL (the lowest technology readiness level wanted, 1 to 9)', minimum: 1, maximum: 9, example: 6 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(9)
  minTrl?: number;

  @ApiPropertyOptional({
    description: '多少个月内需投入使用/量产 (months until the answer must be in use or production, 1 to 120; 明年就要上量 → 12)',
    minimum: 1,
    maximum: 120,
    example: 12,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  neededWithinMonths?: number;

  @ApiPropertyOptional({ type: [String], description: '优先地区 (preferred regions of the supply side: 6-digit GB/T 2260 codes, 1 to 20)', example: ['320500', '310000'] })
  @RegionCodeList()
  preferredRegionCodes?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: '排除地区 (regions the supply side must not be from: 6-digit GB/T 2260 codes, 1 to 20; none of them also preferred)',
    example: ['110000'],
  })
  @RegionCodeList()
  excludedRegionCodes?: string[];

  @ApiPropertyOptional({
    enum: NEED_HARD_CONSTRAINT_CODES,
    isArray: true,
    description:
      `硬性约束 (constraints that filter rather than weigh: ${labelled(NEED_HARD_CONSTRAINTS)}). ` +
      'region needs preferredRegionCodes; maturity needs minTrl or neededWithinMonths; budget needs budgetMaxFen; eligibility needs qualifications recorded on the enterprise',
    example: ['region', 'budget'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NEED_HARD_CONSTRAINT_CODES.length)
  @ArrayUnique()
  @IsIn(NEED_HARD_CONSTRAINT_CODES, { each: true })
  hardConstraints?: NeedHardConstraint[];

  @ApiProperty({ type: NeedContactDto })
  @ValidateNested()
  @Type(() => NeedContactDto)
  contact: NeedContactDto;
}

export class ListNeedsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: NEED_CATEGORY_CODES })
  @IsOptional()
  @IsIn(NEED_CATEGORY_CODES)
  category?: NeedCategory;

  @ApiPropertyOptional({ enum: TECHNICAL_FIELD_CODES })
  @IsOptional()
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField?: TechnicalField;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  enterpriseId?: string;

  @ApiPropertyOptional({ enum: NEED_STATUS_CODES })
  @IsOptional()
  @IsIn(NEED_STATUS_CODES)
  status?: NeedStatus;
}

/**
 * A revision: any field of the need but its enterprise, each validated as on capture. Absent fields
 * stay as they are; at least one must be sent.
 */
export class ReviseNeedDto extends PartialType(OmitType(CreateNeedDto, ['enterpriseId'] as const)) {}

export class WithdrawNeedDto {
  @ApiProperty({ example: '企业调整研发计划，需求暂缓', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class CloseNeedDto {
  @ApiProperty({ enum: NEED_CLOSE_OUTCOME_CODES, description: '已解决 / 企业自行解决 / 暂无法解决 / 需求取消' })
  @IsIn(NEED_CLOSE_OUTCOME_CODES)
  outcome: NeedCloseOutcome;

  @ApiPropertyOptional({ example: '已与合作院所签订技术开发合同', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

export { IdParam } from '@tt/platform';
