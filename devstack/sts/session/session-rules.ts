import { StsError } from '../protocol/sts-error.js';

/** RoleSessionName and SourceIdentity: 2-64 characters of `[\w+=,.@-]` (STS API reference). */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
export const SESSION_NAME_TEXT = '[\\w+=,.@-]*';

export const MIN_DURATION = 900;
export const DEFAULT_DURATION = 3600;
/** Role chaining caps a session at one hour (IAM User Guide, "Role chaining"). */
export const CHAINED_MAX_DURATION = 3600;

/** Session tags: at most 50, keys 1-128 and values 0-256 characters (IAM quotas). */
export function validateSessionTags(
  tags: Readonly<Record<string, string>>,
  transitiveTagKeys: readonly string[],
  onProblem: (message: string) => never,
): void {
  const keys = Object.keys(tags);
  if (keys.length > 50) onProblem(`Session tags: ${String(keys.length)} tags exceed the limit of 50`);
  const lowerSeen = new Set<string>();
  for (const key of keys) {
    if (key.length < 1 || key.length > 128 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(key))
      onProblem(`Session tag key '${key.slice(0, 40)}' is not valid`);
    if (key.toLowerCase().startsWith('aws:')) onProblem(`Session tag key '${key}' must not begin with aws:`);
    if (lowerSeen.has(key.toLowerCase())) onProblem(`Duplicate tag keys found: ${key} (tag keys are case-insensitive)`);
    lowerSeen.add(key.toLowerCase());
    const value = tags[key] ?? '';
    if (value.length > 256) onProblem(`Session tag value for '${key}' is longer than 256 characters`);
  }
  for (const key of transitiveTagKeys) {
    if (!keys.some((k) => k.toLowerCase() === key.toLowerCase())) onProblem(`Transitive tag key ${key} is not a session tag`);
  }
}

/**
 * A stand-in for AWS's packed-policy percentage: AWS compresses session policies
 * and tags into a binary form with its own limit. The devstack approximates it
 * from the plain size so that oversized payloads fail here as they would there.
 */
export function packedPolicySize(tags: Readonly<Record<string, string>>, policy?: string, policyArns: readonly string[] = []): number {
  const tagBytes = Object.entries(tags).reduce((sum, [k, v]) => sum + k.length + v.length + 4, 0);
  const policyBytes = policy ? policy.replace(/\s+/g, '').length : 0;
  const arnBytes = policyArns.reduce((sum, arn) => sum + arn.length, 0);
  return Math.ceil(((tagBytes + policyBytes + arnBytes) / 4096) * 100);
}

export function assertPackedSize(size: number): void {
  if (size > 100)
    throw new StsError(
      'PackedPolicyTooLarge',
      `Packed size of session policies and session tags is ${String(size)}% of the limit (approximation of the devstack).`,
    );
}

/**
 * The session lifetime: DurationSeconds (default 1 h) bounded by the role's
 * MaxSessionDuration, or by 1 h when chaining; larger requests fail as in AWS
 * rather than being clamped.
 */
export function resolveDuration(requested: number | undefined, maxSessionDuration: number, chained: boolean): number {
  const duration = requested ?? DEFAULT_DURATION;
  if (chained && duration > CHAINED_MAX_DURATION)
    throw new StsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  if (duration > maxSessionDuration)
    throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return duration;
}
