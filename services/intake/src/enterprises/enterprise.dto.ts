import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ENTERPRISE_QUALIFICATION_CODES, REGION_CODE_PATTERN, UNIFIED_SOCIAL_CREDIT_CODE_PATTERN, type EnterpriseQualification } from '@tt/contracts';
import { HasCreditCodeCheckCharacter, IsKnownRegion } from '@tt/platform';

export class CreateEnterpriseDto {
  @ApiProperty({ example: '苏州芯联微电子股份有限公司', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ description: '统一社会信用代码 (18 characters)', example: '91330100716105852F' })
  @IsString()
  @Matches(UNIFIED_SOCIAL_CREDIT_CODE_PATTERN, { message: 'creditCode must be an 18-character unified social credit code' })
  @HasCreditCodeCheckCharacter()
  creditCode: string;

  @ApiProperty({ description: '行政区划代码 (6 digits)', example: '320506' })
  @IsString()
  @Matches(REGION_CODE_PATTERN, { message: 'regionCode must be a 6-digit administrative division code' })
  @IsKnownRegion()
  regionCode: string;

  @ApiPropertyOptional({ description: 'GB/T 4754 industry code', example: 'C3973' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-T](\d{2,4})?$/, { message: 'industryCode must be a GB/T 4754 code such as C3973' })
  industryCode?: string;

  @ApiPropertyOptional({ enum: ENTERPRISE_QUALIFICATION_CODES, isArray: true, example: ['high-tech-enterprise'] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(ENTERPRISE_QUALIFICATION_CODES, { each: true })
  @MaxLength(40, { each: true })
  qualifications?: EnterpriseQualification[];
}

/** A revision of an enterprise: any field but its credit code, which identifies it (sending one is a 400). */
export class ReviseEnterpriseDto extends PartialType(OmitType(CreateEnterpriseDto, ['creditCode'] as const)) {}
