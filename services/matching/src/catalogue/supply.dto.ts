import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  COOPERATION_MODE_CODES,
  type CooperationMode,
  FINANCE_PRODUCT_TYPE_CODES,
  FINANCE_PROVIDER_TYPE_CODES,
  IP_TYPE_CODES,
  REGION_CODE_PATTERN,
  SERVICE_TYPE_CODES,
  SUPPLY_KIND_CODES,
  SUPPLY_KINDS,
  SUPPLY_STATUSES,
  TECHNICAL_FIELD_CODES,
  type SupplyKind,
  type SupplyStatus,
  type TechnicalField,
} from '@tt/contracts';
import { IsKnownRegion, PageQuery } from '@tt/platform';
import { SUPPLY_ID_PATTERN } from './catalogue-file';

const DETAILS_DOC = [
  'The kind’s own facts, checked against its schema (400 with a pointer such as /details/amountMinFen):',
  `- achievement: {ipType? (${IP_TYPE_CODES.join(', ')}), ipNumbers?, transferModes?, askingPriceFen?}`,
  `- service-agency: {serviceTypes [${SERVICE_TYPE_CODES.join(', ')}], accreditations? such as CMA, CNAS}`,
  `- finance-product: {providerType (${FINANCE_PROVIDER_TYPE_CODES.join(', ')}), productType (${FINANCE_PRODUCT_TYPE_CODES.join(', ')}), amountMinFen?, amountMaxFen?, eligibility? [enterprise qualifications; absent: anyone], terms?}`,
  '- shared-equipment: {instrument, location, bookingTerms, pricePerHourFen?}',
  '- institution, expert: none',
].join('\n');

/** A catalogue item as an admin lists it; the kind-specific `details` are checked by the event schema. */
export class CreateSupplyDto {
  @ApiProperty({ enum: SUPPLY_KIND_CODES, description: Object.entries(SUPPLY_KINDS).map(([k, v]) => `${k} ${v}`).join('; ') })
  @IsIn(SUPPLY_KIND_CODES)
  kind: SupplyKind;

  @ApiProperty({ example: '苏州银行“苏知贷”知识产权质押融资', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: '苏州银行', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  organisation?: string;

  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  summary: string;

  @ApiProperty({ enum: TECHNICAL_FIELD_CODES })
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField: TechnicalField;

  @ApiProperty({ type: [String], minItems: 1, maxItems: 20, example: ['知识产权质押', '科技贷'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  keywords: string[];

  @ApiProperty({ example: '320505' })
  @IsString()
  @Matches(REGION_CODE_PATTERN, { message: 'regionCode must be a 6-digit administrative division code' })
  @IsKnownRegion()
  regionCode: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 9, description: '技术就绪度: required for an achievement, optional for an institution or expert, refused for the others' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(9)
  trl?: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['430000'],
    description: '服务范围: the regions served (province xx0000, prefecture xxxx00 or county codes), e.g. 仅限湖南省内企业 → ["430000"]; absent: nationwide. An enterprise outside it is never proposed the item.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(REGION_CODE_PATTERN, { each: true, message: 'each serviceArea entry must be a 6-digit administrative division code' })
  @IsKnownRegion({ each: true })
  serviceArea?: string[];

  @ApiPropertyOptional({ enum: COOPERATION_MODE_CODES, isArray: true, description: '合作方式 the supplier offers; absent: not stated' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(COOPERATION_MODE_CODES, { each: true })
  cooperationModes?: CooperationMode[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: DETAILS_DOC })
  @IsOptional()
  @IsObject()
  details?: Record<string, unknown>;
}

/** A revision: the fields sent replace the item's (details as a whole); the kind never changes. */
export class ReviseSupplyDto extends PartialType(OmitType(CreateSupplyDto, ['kind'] as const)) {}

export class RetireSupplyDto {
  @ApiProperty({ example: '机构资质到期，暂停服务', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class SupplyIdParam {
  @ApiProperty({ example: 'fin-0001' })
  @Matches(SUPPLY_ID_PATTERN, { message: 'id must be a catalogue id such as fin-0001' })
  id: string;
}

export class CatalogueQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUPPLY_KIND_CODES })
  @IsOptional()
  @IsIn(SUPPLY_KIND_CODES)
  kind?: SupplyKind;

  @ApiPropertyOptional({ enum: TECHNICAL_FIELD_CODES })
  @IsOptional()
  @IsIn(TECHNICAL_FIELD_CODES)
  technicalField?: TechnicalField;

  @ApiPropertyOptional({ enum: SUPPLY_STATUSES, description: 'Default: every item' })
  @IsOptional()
  @IsIn(SUPPLY_STATUSES)
  status?: SupplyStatus;

  @ApiPropertyOptional({ example: '330108' })
  @IsOptional()
  @Matches(REGION_CODE_PATTERN, { message: 'regionCode must be a 6-digit administrative division code' })
  regionCode?: string;
}
