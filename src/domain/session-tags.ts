import { globMatch } from './glob-match.js';
import type { Principal } from './principal.js';

/**
 * Session tags rolegate passes to AWS (SAML `PrincipalTag:*` attributes, the
 * JWT `https://aws.amazon.com/tags` claim). Limits from the STS API reference
 * ("Passing session tags in AWS STS") and https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html: at most 50 tags,
 * keys 1–128 and values 0–256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, keys
 * unique without regard to case, `aws:` reserved.
 *
 * Tags feed ABAC policies, so a value is never shortened or rewritten (a
 * truncated `team` could match another team's prefix condition): a tag that
 * does not fit is left out, and the reason is reported.
 */
export const MAX_SESSION_TAGS = 50;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export type PrincipalAttribute = 'subject' | 'username' | 'email' | 'displayName' | 'idp' | 'id';

export interface SessionTagConfig {
  /** Tag key → the principal attribute that gives its value. */
  attributes: Readonly<Record<string, PrincipalAttribute>>;
  /** Globs of group names that become one tag each (`<groupKeyPrefix><group>` = `true`). Empty: no group tags. */
  groupPatterns: readonly string[];
  groupKeyPrefix: string;
  /** Keys that survive role chaining (TransitiveTagKeys / transitive_tag_keys). */
  transitiveKeys: readonly string[];
}

export interface SessionTag {
  key: string;
  value: string;
}

export interface DroppedTag {
  key: string;
  reason: 'no_value' | 'invalid_key' | 'invalid_value' | 'value_too_long' | 'duplicate_key' | 'too_many_tags' | 'not_a_tag';
  detail: string;
}

export interface SessionTags {
  tags: SessionTag[];
  /** Transitive keys that name an emitted tag, in tag order. */
  transitiveKeys: string[];
  /** What was left out, and why (for a warn log; never shown as an error to the user). */
  dropped: DroppedTag[];
}

/** Checks a tag key; undefined when it is valid, else why not. */
export function tagKeyProblem(key: string): string | undefined {
  const length = Array.from(key).length;
  if (length < 1 || length > MAX_TAG_KEY) return `tag key "${key}" must be 1-${String(MAX_TAG_KEY)} characters`;
  if (!TAG_CHARS.test(key)) return `tag key "${key}" may only contain letters, digits, spaces and _ . : / = + - @`;
  if (key.toLowerCase().startsWith('aws:')) return `tag key "${key}" uses the reserved prefix aws:`;
  return undefined;
}

/** Problems of a tag configuration, one line each (for the start-up configuration check). */
export function sessionTagConfigProblems(config: SessionTagConfig): string[] {
  const problems = Object.keys(config.attributes).flatMap((key) => tagKeyProblem(key) ?? []);
  if (config.groupPatterns.length > 0) {
    const prefixProblem = config.groupKeyPrefix === '' ? undefined : tagKeyProblem(config.groupKeyPrefix);
    if (prefixProblem) problems.push(`group tag prefix: ${prefixProblem}`);
  }
  if (Object.keys(config.attributes).length > MAX_SESSION_TAGS) problems.push(`at most ${String(MAX_SESSION_TAGS)} attribute tags`);
  for (const key of config.transitiveKeys) {
    const problem = tagKeyProblem(key);
    if (problem) problems.push(`transitive key: ${problem}`);
  }
  return problems;
}

/** The session tags of a user under a configuration: attribute tags first, then group tags in group order. */
export function sessionTagsFor(principal: Principal, config: SessionTagConfig): SessionTags {
  const tags: SessionTag[] = [];
  const dropped: DroppedTag[] = [];
  const seen = new Set<string>();

  const add = (key: string, value: string | undefined) => {
    const keyProblem = tagKeyProblem(key);
    if (keyProblem) return dropped.push({ key, reason: 'invalid_key', detail: keyProblem });
    if (value === undefined || value === '')
      return dropped.push({ key, reason: 'no_value', detail: `the user has no value for tag ${key}` });
    if (Array.from(value).length > MAX_TAG_VALUE) {
      return dropped.push({
        key,
        reason: 'value_too_long',
        detail: `the value of tag ${key} is longer than ${String(MAX_TAG_VALUE)} characters`,
      });
    }
    if (!TAG_CHARS.test(value)) {
      return dropped.push({ key, reason: 'invalid_value', detail: `the value of tag ${key} has characters AWS does not accept in tags` });
    }
    if (seen.has(key.toLowerCase())) {
      return dropped.push({ key, reason: 'duplicate_key', detail: `tag ${key} is already set (keys are case-insensitive)` });
    }
    if (tags.length >= MAX_SESSION_TAGS) {
      return dropped.push({ key, reason: 'too_many_tags', detail: `AWS accepts at most ${String(MAX_SESSION_TAGS)} session tags` });
    }
    seen.add(key.toLowerCase());
    return tags.push({ key, value });
  };

  for (const [key, attribute] of Object.entries(config.attributes)) add(key, attributeOf(principal, attribute));
  if (config.groupPatterns.length > 0) {
    for (const group of principal.groups) {
      if (config.groupPatterns.some((pattern) => globMatch(pattern, group))) add(`${config.groupKeyPrefix}${group}`, 'true');
    }
  }

  const transitiveKeys: string[] = [];
  for (const key of config.transitiveKeys) {
    const tag = tags.find((t) => t.key.toLowerCase() === key.toLowerCase());
    if (tag === undefined) dropped.push({ key, reason: 'not_a_tag', detail: `transitive key ${key} names no tag of this session` });
    else if (!transitiveKeys.includes(tag.key)) transitiveKeys.push(tag.key);
  }
  return { tags, transitiveKeys, dropped };
}

function attributeOf(principal: Principal, attribute: PrincipalAttribute): string | undefined {
  switch (attribute) {
    case 'subject':
      return principal.subject;
    case 'username':
      return principal.username;
    case 'email':
      return principal.email;
    case 'displayName':
      return principal.displayName;
    case 'idp':
      return principal.idp;
    case 'id':
      return principal.id;
  }
}
