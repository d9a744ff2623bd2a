/**
 * Device-flow user codes (RFC 8628 §6.1): eight characters of a 20-letter
 * alphabet without vowels (no words) and without easily confused letters,
 * shown as XXXX-XXXX. 20^8 ≈ 2.6·10^10 codes, and guessing is rate-limited.
 * Input is forgiving: case, spaces and dashes are ignored.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A user code from random bytes (at least USER_CODE_LENGTH of them); rejection sampling keeps it uniform. */
export function userCodeFrom(randomBytes: Uint8Array): string | undefined {
  let code = '';
  const n = USER_CODE_ALPHABET.length;
  const limit = 256 - (256 % n);
  for (const byte of randomBytes) {
    if (byte >= limit) continue;
    code += USER_CODE_ALPHABET[byte % n] ?? '';
    if (code.length === USER_CODE_LENGTH) return code;
  }
  return undefined;
}

/** XXXX-XXXX, as displayed. */
export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The canonical code for what a user typed, or undefined when it cannot be one. */
export function normalizeUserCode(input: string): string | undefined {
  if (input.length > 32) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}
