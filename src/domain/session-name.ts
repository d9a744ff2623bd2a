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

/**
 * What one STS session is opened for when it must be told apart from the
 * user's others: a just-in-time grant (its access request id) or one
 * break-glass use (an id made for that use). Each gets its own session.
 */
export interface SessionUse {
  kind: 'grant' | 'break-glass';
  /** A UUID: the access request id, or the break-glass use id audited with the issuance. */
  id: string;
}

const USE_MARK: Record<SessionUse['kind'], string> = { grant: 'g', 'break-glass': 'bg' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A use suffix as useSuffix writes it: a bare subject ending like one is hashed (a crafted subject never mimics a use). */
const USE_SUFFIX = /\.(?:g|bg)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
  return userPart(principal, options, MAX);
}

/**
 * The RoleSessionName of a session opened for one use: the user's name, then
 * `.g-<access request id>` or `.bg-<break-glass use id>`, within the 64
 * characters of `[\w+=,.@-]` STS allows
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters).
 * The session name is the last part of the assumed-role ARN every CloudTrail
 * event of the session carries as `userIdentity.arn`
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html),
 * so an auditor can tell the uses apart and join each to its request or
 * break-glass audit row. The user stays named in full by SourceIdentity
 * (sourceIdentityFor, unchanged); a user part too long to fit beside the
 * suffix is shortened to a readable prefix and its hash, as above.
 */
export function sessionNameForUse(
  principal: Pick<Principal, 'idp' | 'subject'>,
  options: SessionNameOptions,
  use: SessionUse | undefined,
): string {
  if (use === undefined) return sessionNameFor(principal, options);
  if (!UUID.test(use.id)) throw new Error(`a session use id must be a lower-case UUID, not ${use.id.slice(0, 40)}`);
  const suffix = `.${USE_MARK[use.kind]}-${use.id}`;
  return `${userPart(principal, options, MAX - suffix.length)}${suffix}`;
}

/** SourceIdentity: the same value as the session name (AWS applies the same rules to both). */
export const sourceIdentityFor = sessionNameFor;

/** The user's name in at most `max` characters (see the rules above). */
function userPart(principal: Pick<Principal, 'idp' | 'subject'>, options: SessionNameOptions, max: number): string {
  const subject = principal.subject;
  const bare =
    principal.idp === options.bareIdp &&
    SESSION_NAME_PATTERN.test(subject) &&
    subject.length <= max &&
    !HASH_SUFFIX.test(subject) &&
    !USE_SUFFIX.test(subject);
  if (bare) return subject;
  const readable = Array.from(subject)
    .map((ch) => (/^[\w+=,.@-]$/.test(ch) ? ch : '_'))
    .join('')
    .slice(0, max - HASH_CHARS - 1);
  return `${readable || 'user'}=${hashOf(`${principal.idp}:${subject}`)}`;
}

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
