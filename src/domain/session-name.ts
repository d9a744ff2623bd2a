import { createHash } from 'node:crypto';
import type { Principal } from './principal.js';

/**
 * RoleSessionName and SourceIdentity: 2–64 characters of `[\w+=,.@-]` (STS API
 * reference; https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html). Both come from the user's immutable identity
 * (IdP slug + subject), never from a mutable username, so a renamed or
 * re-created account cannot inherit someone else's trail in CloudTrail or a
 * `aws:SourceIdentity` deny policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
 *
 * The mapping is injective (collision-free between users):
 * - a subject of the "bare" IdP that already fits the rules is used as it is
 *   (`alice@corp.com` stays `alice@corp.com`) — unique within that IdP;
 * - everything else (other IdPs, subjects that need sanitising or truncating,
 *   or that are too short) becomes a readable prefix plus `=` and 12 base32
 *   characters of SHA-256 over the full principal id (60 bits);
 * - a bare subject that happens to end like a hash suffix is hashed too, so a
 *   crafted subject can never equal another user's hashed name.
 */
export const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

const HASH_CHARS = 12;
const HASH_SUFFIX = new RegExp(`=[a-z2-7]{${String(HASH_CHARS)}}$`);
const MAX = 64;
const PREFIX_MAX = MAX - HASH_CHARS - 1;

export interface SessionNameOptions {
  /**
   * Slug of the IdP whose subjects are shown as they are. Subjects from any
   * other IdP always carry a hash suffix, so the same subject from two IdPs
   * (two different users) never shares a name. Undefined: every name is hashed.
   */
  bareIdp?: string;
}

/** The RoleSessionName for a user (also used as SourceIdentity). */
export function sessionNameFor(principal: Pick<Principal, 'idp' | 'subject'>, options: SessionNameOptions = {}): string {
  const subject = principal.subject;
  if (principal.idp === options.bareIdp && SESSION_NAME_PATTERN.test(subject) && !HASH_SUFFIX.test(subject)) return subject;
  const readable = Array.from(subject)
    .map((ch) => (/^[\w+=,.@-]$/.test(ch) ? ch : '_'))
    .join('')
    .slice(0, PREFIX_MAX);
  return `${readable || 'user'}=${hashOf(`${principal.idp}:${subject}`)}`;
}

/** SourceIdentity: the same value as the session name (AWS applies the same rules to both). */
export const sourceIdentityFor = sessionNameFor;

function hashOf(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  // RFC 4648 base32, lower case: only [a-z2-7], valid in session names.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < HASH_CHARS) {
      out += alphabet[(value >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
    value &= 0xff;
    if (out.length >= HASH_CHARS) break;
  }
  return out;
}
