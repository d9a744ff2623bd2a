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

export interface Role {
  arn: string;
  name: string;
  path: string;
  roleId: string;
  account: Account;
  maxSessionDuration: number;
  trustPolicy: PolicyDocument;
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
}

export interface OidcProviderEntry {
  arn: string;
  /** Issuer URL without a trailing slash. */
  url: string;
  /** The URL without its scheme: the ARN's resource and the prefix of its condition keys (`<id>:aud`). */
  issuerId: string;
  clientIds: readonly string[];
  account: Account;
}

/** The IAM side of the devstack: what exists, looked up by ARN or access key. Immutable after loading. */
export class IamWorld {
  readonly accounts = new Map<string, Account>();
  readonly roles = new Map<string, Role>();
  readonly users = new Map<string, IamUser>();
  readonly accessKeys = new Map<string, LongTermKey>();
  readonly samlProviders = new Map<string, SamlProviderEntry>();
  readonly oidcProviders = new Map<string, OidcProviderEntry>();

  /** Builds the world from a validated config; trust policies are parsed here (a bad one throws with its role ARN). */
  static fromConfig(config: DevstackConfig): IamWorld {
    const world = new IamWorld();
    for (const a of config.accounts) {
      const account: Account = {
        id: a.id,
        ...(a.alias ? { alias: a.alias } : {}),
        partition: a.partition,
        disabledRegions: new Set(a.disabledRegions),
      };
      world.accounts.set(a.id, account);
      for (const r of a.roles) {
        const arn = roleArn(a.partition, a.id, r.path, r.name);
        let trustPolicy: PolicyDocument;
        try {
          trustPolicy = parsePolicyDocument(r.trustPolicy, { requirePrincipal: true });
        } catch (error) {
          throw new Error(`role ${arn}: trust policy: ${(error as Error).message}`);
        }
        world.roles.set(arn, {
          arn,
          name: r.name,
          path: r.path,
          roleId: uniqueId('AROA', arn),
          account,
          maxSessionDuration: r.maxSessionDuration,
          trustPolicy,
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
        world.samlProviders.set(arn, { arn, name: p.name, account, metadata: p.metadata });
      }
      for (const p of a.oidcProviders) {
        const url = p.url.replace(/\/+$/, '');
        const issuerId = url.replace(/^https?:\/\//, '');
        const arn = `arn:${a.partition}:iam::${a.id}:oidc-provider/${issuerId}`;
        world.oidcProviders.set(arn, { arn, url, issuerId, clientIds: p.clientIds, account });
      }
    }
    return world;
  }

  rootArn(account: Account): string {
    return accountRootArn(account.partition, account.id);
  }
}
