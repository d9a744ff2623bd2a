import { z } from 'zod';
import { isLoopbackUrl } from '../support/loopback.js';

const ACCOUNT_ID = /^\d{12}$/;
const NAME = /^[\w+=,.@-]{1,64}$/;
const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{12,124}$/;

const loopbackUrl = z
  .string({ error: 'expected an http(s) URL on a loopback address' })
  .refine(isLoopbackUrl, { error: 'expected an http(s) URL on a loopback address (127.0.0.0/8, ::1 or localhost)' });

/**
 * Where a SAML provider's metadata comes from: inline XML, a file (relative to the
 * YAML file), or a loopback URL fetched on first use and again when a signature
 * does not verify (so a rotated key is picked up).
 */
const samlMetadata = z.union(
  [z.strictObject({ xml: z.string().min(1) }), z.strictObject({ file: z.string().min(1) }), z.strictObject({ url: loopbackUrl })],
  { error: 'expected exactly one of xml, file or url' },
);

/** An IAM policy document (trust policy), as a YAML object or a JSON string. */
const policyDocument = z.union([z.string().min(2), z.record(z.string(), z.unknown())], {
  error: 'expected a policy document (an object or a JSON string)',
});

const role = z.strictObject({
  /** The role name (the last part of its ARN). */
  name: z.string().regex(NAME, { error: 'expected a role name of 1-64 characters [\\w+=,.@-]' }),
  /** IAM path, e.g. `/` (default) or `/breakglass/`. */
  path: z
    .string()
    .regex(/^\/([\w+=,.@-]+\/)*$/, { error: 'expected an IAM path such as / or /team/' })
    .default('/'),
  /** MaxSessionDuration in seconds: 3600-43200 (IAM's limits). */
  maxSessionDuration: z
    .number({ error: 'expected an integer from 3600 to 43200' })
    .int({ error: 'expected an integer from 3600 to 43200' })
    .min(3600, { error: 'expected an integer from 3600 to 43200' })
    .max(43200, { error: 'expected an integer from 3600 to 43200' })
    .default(3600),
  trustPolicy: policyDocument,
  description: z.string().optional(),
  /** Inline policies by name (what PutRolePolicy would have attached); identity policies without a Principal. */
  inlinePolicies: z
    .record(z.string().regex(/^[\w+=,.@-]{1,128}$/, { error: 'expected a policy name of 1-128 characters [\\w+=,.@-]' }), policyDocument)
    .default({}),
  /**
   * Stands in for the managed policies the devstack does not model: `allow-all` (default)
   * lets the role's sessions do anything no Deny forbids; `none` leaves them only their inline policies.
   */
  managedPolicies: z.enum(['allow-all', 'none'], { error: 'expected allow-all or none' }).default('allow-all'),
  /** Customer managed policies of this account attached to the role: a policy name of `policies`, or its ARN. */
  attachedPolicies: z
    .array(
      z.string().regex(/^(arn:[\w-]+:iam::\d{12}:policy\/([\w+=,.@-]+\/)*)?[\w+=,.@-]{1,128}$/, {
        error: 'expected a policy name or policy ARN of this account',
      }),
    )
    .max(10, { error: 'expected at most 10 attached policies (IAM quota PoliciesPerRole)' })
    .default([]),
});

/** A customer managed policy of an account (what CreatePolicy makes); its document is version v1, the default. */
const managedPolicy = z.strictObject({
  name: z.string().regex(/^[\w+=,.@-]{1,128}$/, { error: 'expected a policy name of 1-128 characters [\\w+=,.@-]' }),
  path: z
    .string()
    .regex(/^\/([\w+=,.@-]+\/)*$/, { error: 'expected an IAM path such as / or /team/' })
    .default('/'),
  description: z.string().optional(),
  document: policyDocument,
});

const user = z.strictObject({
  name: z.string().regex(NAME, { error: 'expected a user name of 1-64 characters [\\w+=,.@-]' }),
  accessKeys: z
    .array(
      z.strictObject({
        accessKeyId: z
          .string()
          .regex(ACCESS_KEY_ID, { error: 'expected a long-term access key id: AKIA followed by 12+ capitals or digits' }),
        secretAccessKey: z.string().min(16, { error: 'expected a secret access key of at least 16 characters' }),
      }),
    )
    .default([]),
  /** Tags of the IAM user; they become `aws:PrincipalTag/<key>` in AssumeRole trust policies. */
  tags: z.record(z.string(), z.string()).default({}),
});

const samlProvider = z.strictObject({
  /** The provider name: the ARN is `arn:<partition>:iam::<account>:saml-provider/<name>`. */
  name: z.string().regex(/^[\w._-]{1,128}$/, { error: 'expected a provider name of 1-128 characters [\\w._-]' }),
  metadata: samlMetadata,
});

const oidcProvider = z.strictObject({
  /** The issuer URL (`iss`); the ARN is `arn:<partition>:iam::<account>:oidc-provider/<url without https://>`. */
  url: loopbackUrl,
  /** Accepted `aud` values (the IAM "client ID list"). */
  clientIds: z.array(z.string().min(1)).min(1, { error: 'expected at least one client id' }),
});

const account = z.strictObject({
  id: z
    .string({ error: 'expected a 12-digit account id (quote it in YAML)' })
    .regex(ACCOUNT_ID, { error: 'expected a 12-digit account id' }),
  alias: z.string().optional(),
  partition: z.enum(['aws', 'aws-us-gov', 'aws-cn'], { error: 'expected aws, aws-us-gov or aws-cn' }).default('aws'),
  /** Regions where STS is deactivated for this account: calls signed for them fail with RegionDisabledException. */
  disabledRegions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected a region name such as eu-south-1' })).default([]),
  policies: z.array(managedPolicy).default([]),
  roles: z.array(role).default([]),
  users: z.array(user).default([]),
  samlProviders: z.array(samlProvider).default([]),
  oidcProviders: z.array(oidcProvider).default([]),
});

/** An OU path: `/` (the root) or `/Name/Name/` segments, e.g. `/Workloads/Prod`. */
const ouPath = z
  .string()
  .regex(/^\/([^/\s][^/]{0,127}(\/[^/\s][^/]{0,127})*)?\/?$/, { error: 'expected an OU path such as / or /Workloads/Prod' })
  .transform((path) => (path.length > 1 ? path.replace(/\/$/, '') : path));

/** One member account of the Organization (it need not be one of `accounts`: Organizations lists, it does not sign in). */
const organizationAccount = z.strictObject({
  id: z
    .string({ error: 'expected a 12-digit account id (quote it in YAML)' })
    .regex(ACCOUNT_ID, { error: 'expected a 12-digit account id' }),
  name: z.string().min(1).max(50),
  email: z.string().regex(/^[^@\s]+@[^@\s]+$/, { error: 'expected an email address' }),
  /** The OU the account sits in; OUs are created from the paths named. */
  ou: ouPath.default('/'),
  /** The account's `State` (ListAccounts also answers the older `Status` derived from it). */
  state: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']).default('ACTIVE'),
});

/**
 * The AWS Organization the devstack's Organizations subset answers for
 * (docs/devstack.md). Only sessions of roles in the management account may list it.
 */
const organization = z.strictObject({
  managementAccount: z
    .string({ error: 'expected a 12-digit account id (quote it in YAML)' })
    .regex(ACCOUNT_ID, { error: 'expected a 12-digit account id' }),
  /** Names of the management account's roles whose sessions may read the Organization; empty: any of its roles. */
  readerRoles: z.array(z.string().regex(NAME)).default([]),
  accounts: z.array(organizationAccount).default([]),
  /** Synthetic accounts for scale tests: ids from `firstId` up, named `<namePrefix>-0001`…, all in `ou`. */
  generated: z
    .strictObject({
      count: z.number().int().min(1).max(20_000),
      ou: ouPath.default('/'),
      namePrefix: z
        .string()
        .regex(/^[A-Za-z0-9-]{1,30}$/)
        .default('generated'),
      firstId: z.string().regex(ACCOUNT_ID).default('500000000000'),
    })
    .optional(),
});

/** The devstack's world: accounts with their roles, users and identity providers. */
export const devstackConfigSchema = z.strictObject({
  /** The Region this endpoint answers as when a call is not signed for one. */
  region: z.string().default('us-east-1'),
  accounts: z.array(account).min(1, { error: 'expected at least one account' }),
  /** Absent: no Organization (every Organizations call answers AWSOrganizationsNotInUseException). */
  organization: organization.optional(),
});

export type DevstackConfigInput = z.input<typeof devstackConfigSchema>;
export type DevstackConfig = z.output<typeof devstackConfigSchema>;
export type AccountConfig = DevstackConfig['accounts'][number];
export type RoleConfig = AccountConfig['roles'][number];
export type SamlMetadataSource = z.output<typeof samlMetadata>;
export type OrganizationConfig = NonNullable<DevstackConfig['organization']>;
