// Phone numbers as the contacts area compares them: digits only, as users.phone stores them.

/** The longest number E.164 allows is 15 digits; a little slack covers odd national prefixes in phone books. */
export const MAX_PHONE_DIGITS = 20;

/** Digits of `raw` ('+1 (555) 010-0000' -> '15550100000'), or undefined when nothing usable is left. */
export function normalizePhone(raw: string): string | undefined {
  const digits = raw.replace(/\D+/g, '');
  if (digits.length < 3 || digits.length > MAX_PHONE_DIGITS) return undefined;
  return digits;
}
