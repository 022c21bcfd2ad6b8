// Phone numbers as sign-in sees them: international numbers, stored as digits only (users.phone).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { RpcError } from '../../common/rpc-error.js';

/**
 * Digits of the international number `raw` ('+1 (555) 010-0000' -> '15550100000'). Clients send the number
 * with or without '+', with spaces or dashes. A number must have a known country code and a length that
 * country allows ("possible", not "valid": ranges reserved for fiction such as +1 555 are fine for a
 * self-hosted server, where the number is only a name). Anything else answers PHONE_NUMBER_INVALID.
 */
export function normalizeLoginPhone(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 64 || !/^[\s+\-().\d]+$/.test(raw)) throw RpcError.badRequest('PHONE_NUMBER_INVALID');
  const digits = raw.replace(/\D+/g, '');
  if (digits.length < 5 || digits.length > 15) throw RpcError.badRequest('PHONE_NUMBER_INVALID');
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed || !parsed.isPossible()) throw RpcError.badRequest('PHONE_NUMBER_INVALID');
  return parsed.number.slice(1);
}
