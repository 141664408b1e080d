import { ValidateBy, type ValidationOptions } from 'class-validator';
import { creditCodeCheckCharacter, isKnownRegionCode, isValidCreditCode, REGION_CODE_PATTERN, UNIFIED_SOCIAL_CREDIT_CODE_PATTERN } from '@tt/contracts';

/**
 * Validators for the codes every service's requests carry, so intake's enterprises and
 * contract-tracking's contract parties check them the same way. Each runs after the shape check
 * (`@Matches` with the pattern) and passes anything else, so a request gets one reason per field.
 */

/**
 * A calendar day as YYYY-MM-DD, in ASCII digits, years 0100 to 9999: what `IsISO8601({ strict: true })`
 * accepts (it reads a year below 100 as 19xx and refuses it), so the pattern in the OpenAPI document
 * and the validator agree; `format: date` says the day must exist.
 */
export const DATE_ONLY_PATTERN = /^(?:0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}$/;

/** The GB 32100 check character (the 18th) of a 统一社会信用代码. */
export const HasCreditCodeCheckCharacter = () =>
  ValidateBy({
    name: 'creditCodeCheckCharacter',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !UNIFIED_SOCIAL_CREDIT_CODE_PATTERN.test(value) || isValidCreditCode(value),
      defaultMessage: (args) =>
        `${args?.property ?? 'creditCode'} fails its GB 32100 check: the 18th character should be ${creditCodeCheckCharacter(String(args?.value).slice(0, 17))}, so a character is mistyped`,
    },
  });

/** A six-digit code must also name a region of the GB/T 2260 list (see @tt/contracts regions); `{each: true}` for lists. */
export const IsKnownRegion = (options?: ValidationOptions) =>
  ValidateBy(
    {
    name: 'knownRegionCode',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !REGION_CODE_PATTERN.test(value) || isKnownRegionCode(value),
      defaultMessage: (args) => {
        if (!Array.isArray(args?.value)) return `${args?.property ?? 'regionCode'} ${String(args?.value)} is not in the GB/T 2260 list of administrative divisions`;
        // A list ({each: true}): name only the codes that are not in it.
        const unknown = args.value.filter((v: unknown) => typeof v === 'string' && REGION_CODE_PATTERN.test(v) && !isKnownRegionCode(v));
        return `${args.property}: ${unknown.join(', ')} not in the GB/T 2260 list of administrative divisions`;
      },
    },
  },
    options,
  );
