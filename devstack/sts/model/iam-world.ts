import type { DevstackConfig } from '../../config/devstack-config-schema.js';
import { parsePolicyDocument, type PolicyDocument } from '../policy/policy-document.js';
import { accountRootArn, roleArn, uniqueId, type Partition } from './arns.js';
import type { SamlMetadataSource } from '../../config/devstack-config-schema.js';

export interface Account {
  id: string;
  alias?: string;
  partition: Partition;
  disabledRegions: ReadonlySet<string>;
}

/** A policy document as IAM stores it: the text it was given and what the devstack parsed from it. */
export interface StoredPolicy {
  text: string;
  document: PolicyDocument;
}

/**
 * A role. The IAM subset (devstack/iam) changes roles in place, so sessions keep
 * pointing at the live role; a deleted role is one no longer in `IamWorld.roles`.
 */
export interface Role {
  arn: string;
  name: string;
  path: string;
  roleId: string;
  account: Account;
  maxSessionDuration: number;
  trustPolicy: PolicyDocument;
  /** The trust policy's text, as GetRole returns it. */
  trustPolicyText: string;
  description?: string;
  createDate: Date;
  tags: Record<string, string>;
  /** Inline policies by name, in insertion order. */
  inlinePolicies: Map<string, StoredPolicy>;
  /**
   * Stands in for managed policies the devstack does not hold (AWS managed ones,
   * say): `allow-all` (default) means only explicit Denies restrict the role's
   * sessions; `none` means its inline and attached policies are all it may do.
   */
  managedPolicies: 'allow-all' | 'none';
  /** The managed policies attached to the role (AttachRolePolicy), by ARN, in attachment order; each is evaluated. */
  attachedPolicies: string[];
}

/** One version of a managed policy (CreatePolicyVersion); the default one is what is evaluated. */
export interface PolicyVersion {
  versionId: string;
  policy: StoredPolicy;
  createDate: Date;
}

/**
 * A customer managed policy (CreatePolicy, or `policies` in the YAML) of an account.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
 */
export interface ManagedPolicy {
  arn: string;
  name: string;
  path: string;
  policyId: string;
  account: Account;
  description?: string;
  createDate: Date;
  updateDate: Date;
  /** At most 5, oldest first. */
  versions: PolicyVersion[];
  defaultVersionId: string;
  /** The number the next version gets (`v<n>`): IAM never reuses a version id. */
  nextVersion: number;
}

export interface IamUser {
  arn: string;
  name: string;
  userId: string;
  account: Account;
  tags: Readonly<Record<string, string>>;
}

export interface LongTermKey {
  accessKeyId: string;
  secretAccessKey: string;
  user: IamUser;
}

export interface SamlProviderEntry {
  arn: string;
  name: string;
  account: Account;
  metadata: SamlMetadataSource;
  createDate: Date;
}

export interface OidcProviderEntry {
  arn: string;
  /** Issuer URL without a trailing slash. */
  url: string;
  /** The URL without its scheme: the ARN's resource and the prefix of its condition keys (`<id>:aud`). */
  issuerId: string;
  clientIds: string[];
  thumbprints: string[];
  account: Account;
  createDate: Date;
}

/**
 * The IAM side of the devstack: what exists, looked up by ARN or access key.
 * Seeded from the YAML; the IAM subset (devstack/iam) changes roles and providers.
 */
export class IamWorld {
  readonly accounts = new Map<string, Account>();
  readonly roles = new Map<string, Role>();
  readonly users = new Map<string, IamUser>();
  readonly accessKeys = new Map<string, LongTermKey>();
  readonly samlProviders = new Map<string, SamlProviderEntry>();
  readonly oidcProviders = new Map<string, OidcProviderEntry>();
  readonly managedPolicies = new Map<string, ManagedPolicy>();

  /** Builds the world from a validated config; trust policies are parsed here (a bad one throws with its role ARN). */
  static fromConfig(config: DevstackConfig, now: Date = new Date()): IamWorld {
    const world = new IamWorld();
    for (const a of config.accounts) {
      const account: Account = {
        id: a.id,
        ...(a.alias ? { alias: a.alias } : {}),
        partition: a.partition,
        disabledRegions: new Set(a.disabledRegions),
      };
      world.accounts.set(a.id, account);
      for (const p of a.policies) {
        const arn = `arn:${a.partition}:iam::${a.id}:policy${p.path}${p.name}`;
        let policy: StoredPolicy;
        try {
          policy = {
            text: typeof p.document === 'string' ? p.document : JSON.stringify(p.document),
            document: parsePolicyDocument(p.document, { requirePrincipal: false }),
          };
        } catch (error) {
          throw new Error(`policy ${arn}: ${(error as Error).message}`);
        }
        world.managedPolicies.set(arn, {
          arn,
          name: p.name,
          path: p.path,
          policyId: uniqueId('ANPA', arn),
          account,
          ...(p.description !== undefined ? { description: p.description } : {}),
          createDate: now,
          updateDate: now,
          versions: [{ versionId: 'v1', policy, createDate: now }],
          defaultVersionId: 'v1',
          nextVersion: 2,
        });
      }
      for (const r of a.roles) {
        const arn = roleArn(a.partition, a.id, r.path, r.name);
        const parse = (what: string, input: unknown, requirePrincipal: boolean): StoredPolicy => {
          try {
            return {
              text: typeof input === 'string' ? input : JSON.stringify(input),
              document: parsePolicyDocument(input, { requirePrincipal }),
            };
          } catch (error) {
            throw new Error(`role ${arn}: ${what}: ${(error as Error).message}`);
          }
        };
        const trust = parse('trust policy', r.trustPolicy, true);
        const inlinePolicies = new Map<string, StoredPolicy>();
        for (const [name, policy] of Object.entries(r.inlinePolicies))
          inlinePolicies.set(name, parse(`inline policy ${name}`, policy, false));
        world.roles.set(arn, {
          arn,
          name: r.name,
          path: r.path,
          roleId: uniqueId('AROA', arn),
          account,
          maxSessionDuration: r.maxSessionDuration,
          trustPolicy: trust.document,
          trustPolicyText: trust.text,
          ...(r.description !== undefined ? { description: r.description } : {}),
          createDate: now,
          tags: {},
          inlinePolicies,
          managedPolicies: r.managedPolicies,
          attachedPolicies: r.attachedPolicies.map((name) => {
            const policyArn = name.startsWith('arn:') ? name : `arn:${a.partition}:iam::${a.id}:policy/${name}`;
            if (world.managedPolicies.get(policyArn)?.account !== account)
              throw new Error(`role ${arn}: attached policy ${policyArn} is not one of the account's policies`);
            return policyArn;
          }),
        });
      }
      for (const u of a.users) {
        const arn = `arn:${a.partition}:iam::${a.id}:user/${u.name}`;
        const user: IamUser = { arn, name: u.name, userId: uniqueId('AIDA', arn), account, tags: u.tags };
        world.users.set(arn, user);
        for (const key of u.accessKeys) world.accessKeys.set(key.accessKeyId, { ...key, user });
      }
      for (const p of a.samlProviders) {
        const arn = `arn:${a.partition}:iam::${a.id}:saml-provider/${p.name}`;
        world.samlProviders.set(arn, { arn, name: p.name, account, metadata: p.metadata, createDate: now });
      }
      for (const p of a.oidcProviders) {
        const url = p.url.replace(/\/+$/, '');
        const issuerId = url.replace(/^https?:\/\//, '');
        const arn = `arn:${a.partition}:iam::${a.id}:oidc-provider/${issuerId}`;
        world.oidcProviders.set(arn, { arn, url, issuerId, clientIds: [...p.clientIds], thumbprints: [], account, createDate: now });
      }
    }
    return world;
  }

  /** The default version of a managed policy, or undefined when the devstack holds no such policy. */
  defaultPolicyOf(arn: string): StoredPolicy | undefined {
    const managed = this.managedPolicies.get(arn);
    return managed?.versions.find((v) => v.versionId === managed.defaultVersionId)?.policy;
  }

  rootArn(account: Account): string {
    return accountRootArn(account.partition, account.id);
  }
}
