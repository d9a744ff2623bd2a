import { z } from 'zod';
import { checkRoleProvider, parsePolicyArn, parseRoleArn } from './arn.js';
import { checkPolicyArns, MAX_DESCRIPTION_CHARS, MAX_POLICY_ARNS, normalizeSessionPolicy } from './session-policy.js';
import {
  formatDuration,
  MAX_GRANT_LIMIT_SECONDS,
  MAX_MFA_MAX_AGE_SECONDS,
  MIN_GRANT_SECONDS,
  MIN_MFA_MAX_AGE_SECONDS,
  parseDurationText,
  ticketPatternProblem,
} from './access-requests.js';

/**
 * "Access as code": the document an operator keeps in version control and
 * applies with `rolegate apply -f access.yaml` (schema: docs/access-as-code.md).
 * Every object has a natural key (IdP slug, account id, role ARN, and for a
 * mapping the tuple idp/match/group/role), so a document can be compared with
 * the database without knowing database ids.
 */

const ACCOUNT_ID = /^\d{12}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TAG = /^[a-z0-9][a-z0-9._:-]{0,62}$/;

const identityProviderSchema = z.strictObject({
  slug: z.string().regex(SLUG, { error: 'expected a slug: lowercase letters, digits and -, at most 63' }),
  displayName: z.string().min(1).max(200),
  kind: z.enum(['oidc', 'saml']),
  enabled: z.boolean().default(true),
  groupsFrom: z.string().min(1).max(200).default('groups'),
  settings: z.record(z.string(), z.unknown()).default({}),
});

const accountSchema = z
  .strictObject({
    id: z
      .string({ error: 'expected a 12-digit AWS account id as a string (quote it in YAML)' })
      .regex(ACCOUNT_ID, { error: 'expected a 12-digit AWS account id (quote it in YAML)' }),
    alias: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'expected letters, digits, ., _ or -' }),
    partition: z.enum(['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as us-east-1' })
      .default('us-east-1'),
    stsEndpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    /**
     * Labels such as `prod` that access tests and rules select accounts by (docs/access-as-code.md).
     * Kept sorted and without duplicates, and an empty list is no list, so export and diff agree.
     */
    tags: z
      .array(z.string().regex(TAG, { error: 'expected a tag: lowercase letters, digits, . _ : or -, at most 63' }))
      .max(50)
      .transform((tags) => (tags.length === 0 ? undefined : [...new Set(tags)].sort()))
      .optional(),
    /** Groups whose members review this account's access in access reviews (docs/admin.md#access-reviews). */
    owners: z.array(z.string().min(1).max(256)).min(1, { error: 'name at least one owner group, or leave owners out' }).max(50).optional(),
    /**
     * The role in this account rolegate assumes (with its own AWS identity and this ExternalId) to
     * attach revocation Deny policies to the affected roles: docs/admin.md#revocation-that-reaches-aws.
     */
    revoker: z
      .strictObject({
        roleArn: z
          .string()
          .refine((arn) => parseRoleArn(arn).ok, { error: 'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)' }),
        externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, { error: 'expected 2-1224 characters of [A-Za-z0-9+=,.@:/_-]' }),
      })
      .optional(),
  })
  .superRefine((account, ctx) => {
    const arn = account.revoker ? parseRoleArn(account.revoker.roleArn) : undefined;
    if (arn?.ok && arn.value.accountId !== account.id)
      ctx.addIssue({ code: 'custom', path: ['revoker', 'roleArn'], message: `the revoker role must be in account ${account.id}` });
  });

const roleSchema = z
  .strictObject({
    arn: z.string().refine((arn) => parseRoleArn(arn).ok, { error: 'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)' }),
    mode: z.enum(['saml', 'web-identity', 'assume-role']).default('saml'),
    providerArn: z.string().min(1).optional(),
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, { error: 'expected 2-1224 characters of [A-Za-z0-9+=,.@:/_-]' })
      .optional(),
    maxSessionSeconds: z.number().int().min(3600).max(43200).default(3600),
    description: z.string().max(500).default(''),
  })
  .superRefine((role, ctx) => {
    const checked = checkRoleProvider(role.mode, role.arn, role.providerArn);
    if (!checked.ok && parseRoleArn(role.arn).ok) ctx.addIssue({ code: 'custom', path: ['providerArn'], message: checked.error });
    if (role.externalId !== undefined && role.mode !== 'assume-role')
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'externalId is only sent in assume-role mode' });
  });

const groupName = z.string().min(1).max(256);

/** A grant length as text (`4h`, `90m`, `1h30m`), kept in its canonical form so export and diff agree. */
const grantDuration = z.string().transform((text, ctx) => {
  const seconds = parseDurationText(text.trim());
  if (seconds === undefined || seconds < MIN_GRANT_SECONDS || seconds > MAX_GRANT_LIMIT_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration from ${formatDuration(MIN_GRANT_SECONDS)} to ${formatDuration(MAX_GRANT_LIMIT_SECONDS)}, such as 4h, 90m or 1h30m`,
    });
    return z.NEVER;
  }
  return formatDuration(seconds);
});

/** How recent an approver's MFA sign-in must be, as text (`1h`, `15m`), canonical like grant lengths. */
const mfaAge = z.string().transform((text, ctx) => {
  const seconds = parseDurationText(text.trim());
  if (seconds === undefined || seconds < MIN_MFA_MAX_AGE_SECONDS || seconds > MAX_MFA_MAX_AGE_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration from ${formatDuration(MIN_MFA_MAX_AGE_SECONDS)} to ${formatDuration(MAX_MFA_MAX_AGE_SECONDS)}, such as 1h or 15m`,
    });
    return z.NEVER;
  }
  return formatDuration(seconds);
});

/** How requests for an eligible mapping are approved (docs/just-in-time.md). */
const approvalSchema = z.strictObject({
  approverGroups: z.array(groupName).min(1, { error: 'name at least one approver group' }).max(50),
  approvals: z.union([z.literal(1), z.literal(2)], { error: 'expected 1, or 2 for four eyes' }).default(1),
  maxGrant: grantDuration,
  reasonRequired: z.boolean().default(true),
  ticketPattern: z
    .string()
    .superRefine((pattern, ctx) => {
      const problem = ticketPatternProblem(pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  autoApproveGroups: z.array(groupName).max(50).default([]),
  /** Approving needs an MFA sign-in at most this old (`1h` when absent); older answers step_up_required. */
  approverMfaMaxAge: mfaAge.optional(),
});

/** A session policy as a YAML/JSON object or as JSON text; either way validated and kept as compact JSON. */
const sessionPolicyDocument = z.union([z.record(z.string(), z.unknown()), z.string()]).transform((value, ctx) => {
  const checked = normalizeSessionPolicy(value);
  if (!checked.ok) {
    ctx.addIssue({ code: 'custom', message: checked.error });
    return z.NEVER;
  }
  return checked.value;
});
const mfaAgeRange = `expected ${String(MIN_MFA_MAX_AGE_SECONDS)} to ${String(MAX_MFA_MAX_AGE_SECONDS)} seconds`;

const mappingSchema = z
  .strictObject({
    group: z.string().min(1).max(256),
    match: z.enum(['exact', 'glob']).default('exact'),
    idp: z.string().regex(SLUG, { error: 'expected an IdP slug' }).optional(),
    role: z.string().refine((arn) => parseRoleArn(arn).ok, { error: 'expected the ARN of a role listed under roles' }),
    requireMfa: z.boolean().default(false),
    /** With requireMfa: the MFA sign-in must be at most this old, seconds (a step-up renews it). */
    mfaMaxAgeSeconds: z
      .number()
      .int()
      .min(MIN_MFA_MAX_AGE_SECONDS, { error: mfaAgeRange })
      .max(MAX_MFA_MAX_AGE_SECONDS, { error: mfaAgeRange })
      .optional(),
    maxSessionSeconds: z.number().int().min(900).max(43200).optional(),
    allowedCidrs: z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, { error: 'expected a CIDR such as 10.0.0.0/8' })).default([]),
    breakGlass: z.boolean().default(false),
    /** `standing`: entitles at once; `eligible`: may be requested, entitles only through an approved grant. */
    access: z.enum(['standing', 'eligible']).default('standing'),
    approval: approvalSchema.optional(),
    /** An inline session policy (docs/access-as-code.md#session-policies), kept as compact JSON text. */
    sessionPolicy: sessionPolicyDocument.optional(),
    /** Managed policies STS intersects the session with (at most 10, the role's partition). */
    sessionPolicyArns: z
      .array(
        z.string().superRefine((arn, ctx) => {
          const parsed = parsePolicyArn(arn);
          if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
        }),
      )
      .max(MAX_POLICY_ARNS, { error: `STS accepts at most ${String(MAX_POLICY_ARNS)} session policy ARNs` })
      .optional(),
    /** What users are shown for this mapping, e.g. "read-only use of Admin". */
    sessionPolicyDescription: z.string().min(1).max(MAX_DESCRIPTION_CHARS).optional(),
  })
  .superRefine((mapping, ctx) => {
    if (mapping.sessionPolicyDescription !== undefined && mapping.sessionPolicy === undefined && (mapping.sessionPolicyArns ?? []).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['sessionPolicyDescription'],
        message: 'describes a session policy, but the mapping has no sessionPolicy or sessionPolicyArns',
      });
    if (mapping.mfaMaxAgeSeconds !== undefined && !mapping.requireMfa)
      ctx.addIssue({ code: 'custom', path: ['mfaMaxAgeSeconds'], message: 'mfaMaxAgeSeconds needs requireMfa: true' });
    if (mapping.access === 'eligible' && mapping.approval === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['approval'],
        message: 'an eligible mapping needs an approval policy (approverGroups, maxGrant)',
      });
    if (mapping.access === 'standing' && mapping.approval !== undefined)
      ctx.addIssue({ code: 'custom', path: ['approval'], message: 'only an eligible mapping (access: eligible) has an approval policy' });
    if (mapping.access === 'eligible' && mapping.breakGlass)
      ctx.addIssue({
        code: 'custom',
        path: ['breakGlass'],
        message: 'a mapping is either break-glass (self-asserted) or eligible (approved by others), not both',
      });
  });

const documentShape = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }).default(1),
  /** When absent, identity providers are not managed by the document (they stay as configured). */
  identityProviders: z.array(identityProviderSchema).optional(),
  accounts: z.array(accountSchema).default([]),
  roles: z.array(roleSchema).default([]),
  mappings: z.array(mappingSchema).default([]),
});

/** The rules across a document's entries: unique keys, and every reference to an account, role or IdP listed. */
function checkReferences(doc: z.output<typeof documentShape>, ctx: z.RefinementCtx): void {
  unique(ctx, doc.identityProviders ?? [], 'identityProviders', (i) => i.slug, 'slug');
  unique(ctx, doc.accounts, 'accounts', (a) => a.id, 'id');
  unique(ctx, doc.accounts, 'accounts', (a) => a.alias, 'alias');
  unique(ctx, doc.roles, 'roles', (r) => r.arn, 'arn');
  unique(ctx, doc.mappings, 'mappings', mappingKey, 'group');
  const accounts = new Set(doc.accounts.map((a) => a.id));
  doc.roles.forEach((role, i) => {
    // The account id is the ARN's fifth field: when it is listed there is nothing to say, whether
    // or not the ARN parses (its own schema speaks to that). Only the rest are parsed (20,000 roles
    // are checked on every admin save).
    if (accounts.has(role.arn.split(':', 5)[4] ?? '')) return;
    const parsed = parseRoleArn(role.arn);
    if (parsed.ok && !accounts.has(parsed.value.accountId))
      ctx.addIssue({
        code: 'custom',
        path: ['roles', i, 'arn'],
        message: `account ${parsed.value.accountId} is not listed under accounts`,
      });
  });
  const roles = new Set(doc.roles.map((r) => r.arn));
  const partitions = new Map(doc.accounts.map((a) => [a.id, a.partition]));
  const idps = doc.identityProviders ? new Set(doc.identityProviders.map((i) => i.slug)) : undefined;
  doc.mappings.forEach((mapping, i) => {
    if (!roles.has(mapping.role)) ctx.addIssue({ code: 'custom', path: ['mappings', i, 'role'], message: 'role is not listed under roles' });
    if (mapping.idp !== undefined && idps && !idps.has(mapping.idp))
      ctx.addIssue({ code: 'custom', path: ['mappings', i, 'idp'], message: `identity provider ${mapping.idp} is not listed` });
    const policyArns = mapping.sessionPolicyArns ?? [];
    const role = policyArns.length > 0 ? parseRoleArn(mapping.role) : undefined;
    const partition = role?.ok ? partitions.get(role.value.accountId) : undefined;
    policyArns.forEach((arn, j) => {
      const checked = partition === undefined || !parsePolicyArn(arn).ok ? undefined : checkPolicyArns([arn], partition);
      if (checked && !checked.ok) ctx.addIssue({ code: 'custom', path: ['mappings', i, 'sessionPolicyArns', j], message: checked.error });
    });
    const repeated = policyArns.findIndex((arn, j) => policyArns.indexOf(arn) !== j);
    if (repeated >= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['mappings', i, 'sessionPolicyArns', repeated],
        message: `${policyArns[repeated] ?? ''} is listed twice`,
      });
  });
}

export const accessDocumentSchema = documentShape.superRefine(checkReferences);

/**
 * The rules across entries alone, for a document whose every entry has already
 * passed its own schema (entrySchemas): with those, the same verdict as
 * accessDocumentSchema (features/admin/model-check.ts).
 */
export const documentReferencesSchema = z.custom<z.output<typeof documentShape>>().superRefine(checkReferences);

export type AccessDocument = z.output<typeof accessDocumentSchema>;
export type IdentityProviderEntry = NonNullable<AccessDocument['identityProviders']>[number];
export type AccountEntry = AccessDocument['accounts'][number];
export type RoleEntry = AccessDocument['roles'][number];
export type MappingEntry = AccessDocument['mappings'][number];

export const entrySchemas = { account: accountSchema, role: roleSchema, mapping: mappingSchema, identityProvider: identityProviderSchema };

/** The natural key of a mapping: the same group, match, IdP and role is the same mapping. */
export function mappingKey(m: Pick<MappingEntry, 'group' | 'match' | 'idp' | 'role'>): string {
  return `${m.idp ?? '*'} ${m.match} ${m.group} → ${m.role}`;
}

function unique<T>(ctx: z.RefinementCtx, list: readonly T[], section: string, key: (item: T) => string, field: string): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [section, i, field], message: `duplicate: ${k} is listed twice` });
    seen.add(k);
  });
}
