import { hash, randomBytes } from 'node:crypto';

// Every credential rolegate's authorization server hands out is 256 random
// bits, with a prefix that names its kind (so secret scanners and humans can
// tell them apart); only sha256 hashes are stored.

const SECRET = '[A-Za-z0-9_-]{43}';
const ACCESS = new RegExp(`^rgat_([0-9a-f]{32})_(${SECRET})$`);
const REFRESH = new RegExp(`^rgrt_${SECRET}$`);
const CODE = new RegExp(`^rgac_${SECRET}$`);
const DEVICE = new RegExp(`^rgdc_${SECRET}$`);

export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

const secret = () => randomBytes(32).toString('base64url');

/**
 * Access tokens carry their grant's id (not a secret: it names the grant on
 * the portal), so that checking a token and its grant's revocation is one
 * Redis round trip.
 */
export function newAccessToken(grantId: string): string {
  return `rgat_${grantId.replace(/-/g, '')}_${secret()}`;
}

/** The grant id inside a well-formed access token, or undefined. */
export function grantIdOfAccessToken(token: string): string | undefined {
  const hex = ACCESS.exec(token)?.[1];
  if (!hex) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const newRefreshToken = () => `rgrt_${secret()}`;
export const newAuthorizationCode = () => `rgac_${secret()}`;
export const newDeviceCode = () => `rgdc_${secret()}`;
export const newConsentId = () => secret();

export const isRefreshToken = (value: string) => REFRESH.test(value);
export const isAuthorizationCode = (value: string) => CODE.test(value);
export const isDeviceCode = (value: string) => DEVICE.test(value);
export const isAccessToken = (value: string) => ACCESS.test(value);
