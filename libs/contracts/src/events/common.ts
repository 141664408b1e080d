import { z } from 'zod';
import {
  CONTRACT_TYPE_CODES,
  NEED_CATEGORY_CODES,
  REGION_CODE_PATTERN,
  SUPPLY_KIND_CODES,
  TECHNICAL_FIELD_CODES,
  COOPERATION_MODE_CODES,
  CONFIDENTIALITY_LEVELS,
  NEED_CLOSE_OUTCOME_CODES,
} from '../domain/vocabulary';

/** Building blocks of event payloads. Amounts are integers in fen (分): never floats for money. */
export const id = z.string().min(1).max(64);
export const isoDateTime = z.iso.datetime({ offset: true });
export const isoDate = z.iso.date();
export const regionCode = z.string().regex(REGION_CODE_PATTERN);
export const fen = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const technicalField = z.enum(TECHNICAL_FIELD_CODES);
export const needCategory = z.enum(NEED_CATEGORY_CODES);
export const contractType = z.enum(CONTRACT_TYPE_CODES);
export const supplyKind = z.enum(SUPPLY_KIND_CODES);
export const cooperationMode = z.enum(COOPERATION_MODE_CODES);
export const confidentiality = z.enum(CONFIDENTIALITY_LEVELS);
export const needCloseOutcome = z.enum(NEED_CLOSE_OUTCOME_CODES);
