import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a signed webhook carries (docs/just-in-time.md#notifications). */
export const SIGNATURE_HEADER = 'Rolegate-Signature';
export const EVENT_ID_HEADER = 'Rolegate-Event-Id';
export const EVENT_KIND_HEADER = 'Rolegate-Event';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`: the time
 * is signed with the body, so a receiver that refuses old timestamps refuses
 * replays of a captured request, and one that remembers event ids refuses
 * duplicates within its window.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const t = String(Math.floor(unixSeconds));
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** What a receiver does (the docs' snippet does the same): valid and within `toleranceSeconds` of `nowSeconds`. */
export function verifySignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] as const));
  const t = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${String(t)}.${body}`).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
