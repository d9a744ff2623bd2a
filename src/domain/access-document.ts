import { z } from 'zod';
import { checkRoleProvider, parseRoleArn } from './arn.js';

/**
 * "Access as code": the document an operator keeps in version control and
 * applies with `rolegate apply -f access.yaml` (schema: docs/access-as-code.md).
 * Every object has a natural key (IdP slug, account id, role ARN, and for a
 * mapping the tuple idp/match/group/role), so a document can be compared with
 * the database without knowing database ids.
 */

const ACCOUNT_ID = /^\d{12}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

const identityProviderSchema = z.strictObject({
  slug: z.string().regex(SLUG, { error: 'expected a slug: lowercase letters, digits and -, at most 63' }),
  displayName: z.string().min(1).max(200),
  kind: z.enum(['oidc', 'saml']),
  enabled: z.boolean().default(true),
  groupsFrom: z.string().min(1).max(200).default('groups'),
  settings: z.record(z.string(), z.unknown()).default({}),
});

const accountSchema = z.strictObject({
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

const mappingSchema = z.strictObject({
  group: z.string().min(1).max(256),
  match: z.enum(['exact', 'glob']).default('exact'),
  idp: z.string().regex(SLUG, { error: 'expected an IdP slug' }).optional(),
  role: z.string().refine((arn) => parseRoleArn(arn).ok, { error: 'expected the ARN of a role listed under roles' }),
  requireMfa: z.boolean().default(false),
  maxSessionSeconds: z.number().int().min(900).max(43200).optional(),
  allowedCidrs: z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, { error: 'expected a CIDR such as 10.0.0.0/8' })).default([]),
  breakGlass: z.boolean().default(false),
});

export const accessDocumentSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }).default(1),
    /** When absent, identity providers are not managed by the document (they stay as configured). */
    identityProviders: z.array(identityProviderSchema).optional(),
    accounts: z.array(accountSchema).default([]),
    roles: z.array(roleSchema).default([]),
    mappings: z.array(mappingSchema).default([]),
  })
  .superRefine((doc, ctx) => {
    unique(ctx, doc.identityProviders ?? [], 'identityProviders', (i) => i.slug, 'slug');
    unique(ctx, doc.accounts, 'accounts', (a) => a.id, 'id');
    unique(ctx, doc.accounts, 'accounts', (a) => a.alias, 'alias');
    unique(ctx, doc.roles, 'roles', (r) => r.arn, 'arn');
    unique(ctx, doc.mappings, 'mappings', mappingKey, 'group');
    const accounts = new Set(doc.accounts.map((a) => a.id));
    doc.roles.forEach((role, i) => {
      const parsed = parseRoleArn(role.arn);
      if (parsed.ok && !accounts.has(parsed.value.accountId))
        ctx.addIssue({
          code: 'custom',
          path: ['roles', i, 'arn'],
          message: `account ${parsed.value.accountId} is not listed under accounts`,
        });
    });
    const roles = new Set(doc.roles.map((r) => r.arn));
    const idps = doc.identityProviders ? new Set(doc.identityProviders.map((i) => i.slug)) : undefined;
    doc.mappings.forEach((mapping, i) => {
      if (!roles.has(mapping.role))
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'role'], message: 'role is not listed under roles' });
      if (mapping.idp !== undefined && idps && !idps.has(mapping.idp))
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'idp'], message: `identity provider ${mapping.idp} is not listed` });
    });
  });

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
