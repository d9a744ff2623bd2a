import type { Partition } from './access-model.js';
import { parsePolicyArn } from './arn.js';

/**
 * Session policies of a mapping: STS intersects the role's permissions with
 * them for the session it issues, so a mapping can hand out a narrower use of
 * a role ("read-only use of Admin"). Limits from the AssumeRole API reference
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
 * the plain-text inline policy may not exceed 2,048 characters and at most 10
 * managed policy ARNs may be passed; both, with session tags, also count
 * toward STS's packed size limit, which only STS can measure.
 */
export interface SessionPolicy {
  /** The inline policy as compact JSON (what is sent as `Policy`); absent when none. */
  document?: string;
  /** Managed policy ARNs sent as `PolicyArns`, in the order given. */
  arns: readonly string[];
  /** What users are shown, e.g. "read-only use of Admin". */
  description?: string;
}

export const MAX_INLINE_POLICY_CHARS = 2048;
export const MAX_POLICY_ARNS = 10;
export const MAX_DESCRIPTION_CHARS = 200;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses and checks an inline session policy (a JSON object, or its text) for
 * the shape of an IAM policy document — Version, Statement, each statement's
 * Effect, Action/NotAction and Resource/NotResource — and returns it as compact
 * JSON within STS's 2,048 characters. IAM's grammar is not fully re-checked
 * here (condition operators, ARN shapes inside Resource): STS answers those with
 * MalformedPolicyDocument, which rolegate reports as a refusal.
 */
export function normalizeSessionPolicy(input: unknown): Checked<string> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      return { ok: false, error: `sessionPolicy is not valid JSON: ${(error as Error).message}` };
    }
  }
  const problem = policyShapeProblem(value);
  if (problem !== undefined) return { ok: false, error: `sessionPolicy ${problem}` };
  const compact = JSON.stringify(value);
  if (compact.length > MAX_INLINE_POLICY_CHARS)
    return {
      ok: false,
      error: `sessionPolicy is ${String(compact.length)} characters as compact JSON; STS accepts at most ${String(MAX_INLINE_POLICY_CHARS)}`,
    };
  return { ok: true, value: compact };
}

function policyShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'must be a JSON object (an IAM policy document)';
  for (const key of Object.keys(value))
    if (!['Version', 'Id', 'Statement'].includes(key)) return `has an unknown key "${key}" (expected Version, Id, Statement)`;
  if (value.Version !== '2012-10-17' && value.Version !== '2008-10-17') return 'needs "Version": "2012-10-17"';
  const statements = Array.isArray(value.Statement) ? (value.Statement as unknown[]) : [value.Statement];
  if (value.Statement === undefined || statements.length === 0) return 'needs at least one Statement';
  for (const [i, statement] of statements.entries()) {
    const where = `Statement[${String(i)}]`;
    if (!isObject(statement)) return `${where} must be an object`;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return `${where} needs "Effect": "Allow" or "Deny"`;
    if ('Principal' in statement || 'NotPrincipal' in statement) return `${where} must not name a Principal (session policies apply to the session)`;
    const action = oneOf(statement, 'Action', 'NotAction');
    if (action) return `${where} ${action}`;
    const resource = oneOf(statement, 'Resource', 'NotResource');
    if (resource) return `${where} ${resource}`;
    if ('Condition' in statement && !isObject(statement.Condition)) return `${where} Condition must be an object`;
  }
  return undefined;
}

function oneOf(statement: Record<string, unknown>, key: string, notKey: string): string | undefined {
  const present = [key, notKey].filter((k) => k in statement);
  if (present.length !== 1) return `needs exactly one of ${key} or ${notKey}`;
  const v = statement[present[0] ?? key];
  const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''));
  return ok ? undefined : `${present[0] ?? key} must be a string or a non-empty list of strings`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks managed policy ARNs for a role in `partition`: at most 10, well-formed, same partition, no repeats. */
export function checkPolicyArns(arns: readonly string[], partition: Partition): Checked<readonly string[]> {
  if (arns.length > MAX_POLICY_ARNS)
    return { ok: false, error: `sessionPolicyArns lists ${String(arns.length)} ARNs; STS accepts at most ${String(MAX_POLICY_ARNS)}` };
  const seen = new Set<string>();
  for (const arn of arns) {
    const parsed = parsePolicyArn(arn);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    if (parsed.value.partition !== partition)
      return { ok: false, error: `${arn} is in partition ${parsed.value.partition} but the role's account is in ${partition}` };
    if (seen.has(arn)) return { ok: false, error: `${arn} is listed twice` };
    seen.add(arn);
  }
  return { ok: true, value: arns };
}

/** Whether a mapping narrows the role at all. */
export function hasSessionPolicy(policy: SessionPolicy | undefined): policy is SessionPolicy {
  return policy !== undefined && (policy.document !== undefined || policy.arns.length > 0);
}

/**
 * A short, stable fingerprint of the policies (not the description), for the
 * credential cache key: credentials issued under one set of session policies
 * are never served for another. `none` when there are none.
 */
export function sessionPolicyFingerprint(policy: SessionPolicy | undefined, digest: (text: string) => string): string {
  if (!hasSessionPolicy(policy)) return 'none';
  return digest(JSON.stringify([policy.document ?? null, [...policy.arns]]));
}

/** What users see next to the role: the description, or a generic note that the role is narrowed. */
export function sessionPolicyNote(policy: SessionPolicy | undefined): string | undefined {
  if (!hasSessionPolicy(policy)) return undefined;
  return policy.description ?? 'session policy applies';
}
