import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateBy } from 'class-validator';
import {
  creditCodeCheckCharacter,
  ENTERPRISE_QUALIFICATION_CODES,
  isKnownRegionCode,
  isValidCreditCode,
  REGION_CODE_PATTERN,
  UNIFIED_SOCIAL_CREDIT_CODE_PATTERN,
  type EnterpriseQualification,
} from '@tt/contracts';

/** The GB 32100 check character (the 18th); runs after the shape check, so it sees only well-formed codes. */
const HasCreditCodeCheckCharacter = () =>
  ValidateBy({
    name: 'creditCodeCheckCharacter',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !UNIFIED_SOCIAL_CREDIT_CODE_PATTERN.test(value) || isValidCreditCode(value),
      defaultMessage: (args) =>
        `creditCode fails its GB 32100 check: the 18th character should be ${creditCodeCheckCharacter(String(args?.value).slice(0, 17))}, so a character is mistyped`,
    },
  });

/** A six-digit code must also name a region of the GB/T 2260 list (see @tt/contracts regions). */
const IsKnownRegion = () =>
  ValidateBy({
    name: 'knownRegionCode',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !REGION_CODE_PATTERN.test(value) || isKnownRegionCode(value),
      defaultMessage: (args) => `regionCode ${String(args?.value)} is not in the GB/T 2260 list of administrative divisions`,
    },
  });

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
