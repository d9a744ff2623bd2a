import { DEFAULT_DEVSTACK_FILE, loadDevstackConfig } from './config/load-devstack-config.js';
import { startDemoIdp, type DemoClientRegistration } from './demo-idp/create-demo-idp.js';
import { DEMO_USERS, type DemoUser } from './demo-idp/demo-users.js';
import { startStsEndpoint } from './sts/start-sts-endpoint.js';
import type { IssuedSession } from './sts/credentials/issued-credentials.js';
import type { DevstackLogger } from './sts/sts-app.js';

export interface DevstackOptions {
  /** rolegate's public URL (SAML metadata, OIDC issuer and the demo client's redirect URI hang off it). Default http://localhost:8080. */
  rolegateUrl?: string;
  /** The devstack YAML; default devstack/devstack.yaml. */
  configFile?: string;
  /** Loopback address both servers listen on; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  stsPort?: number;
  idpPort?: number;
  idpIssuer?: string;
  clientId?: string;
  clientSecret?: string;
  /** People beside the demo's three, signed in by id (benchmarks: users with many groups). */
  extraUsers?: readonly DemoUser[];
  logger?: DevstackLogger;
}

/** One role of the devstack world, as rolegate will want to seed it. */
export interface DevstackRole {
  arn: string;
  accountId: string;
  accountAlias?: string;
  maxSessionDuration: number;
}

export interface Devstack {
  /** STS Query endpoint: rolegate's STS client `endpoint`, the AWS CLI's `--endpoint-url`. */
  stsUrl: string;
  /** The IAM subset's endpoint (the same server: IAM calls are told apart by their Version and signing service). */
  iamUrl: string;
  /** Console federation endpoint (getSigninToken / login), replacing https://signin.aws.amazon.com/federation. */
  federationUrl: string;
  /** A stand-in console page, a loopback `Destination` for console sign-in URLs. */
  consoleUrl: string;
  /**
   * The Organizations subset's endpoint (the STS address; `X-Amz-Target` tells them apart), when the
   * YAML has an `organization` section: the SDK's `endpoint`, the AWS CLI's `--endpoint-url`.
   */
  organizations?: { url: string; organizationId: string; managementAccountId: string; accountCount: number };
  /** The demo OIDC IdP and rolegate's client registration at it. */
  idp: DemoClientRegistration;
  users: readonly DemoUser[];
  /** SAML provider ARNs per account id (what rolegate names in the Role attribute). */
  samlProviders: Record<string, string[]>;
  /** OIDC provider ARNs per account id (web-identity mode). */
  oidcProviders: Record<string, string[]>;
  roles: DevstackRole[];
  /** Long-term keys of the IAM users in the YAML (assume-role mode). Demo values, not secrets. */
  accessKeys: { userArn: string; accessKeyId: string; secretAccessKey: string }[];
  /** What STS recorded for credentials it issued (session policies, tags, source identity), for tests to observe. */
  issuedSession(accessKeyId: string): IssuedSession | undefined;
  close(): Promise<void>;
}

/**
 * Starts the local STS/federation endpoint and the demo OIDC IdP on loopback.
 * Nothing here is product code: rolegate is pointed at these URLs by the demo launcher.
 */
export async function startDevstack(options: DevstackOptions = {}): Promise<Devstack> {
  const rolegateUrl = (options.rolegateUrl ?? 'http://localhost:8080').replace(/\/+$/, '');
  const host = options.host ?? '127.0.0.1';
  const { config, baseDir } = loadDevstackConfig(options.configFile ?? DEFAULT_DEVSTACK_FILE, { rolegateUrl });
  const sts = await startStsEndpoint({
    config,
    baseDir,
    host,
    port: options.stsPort ?? 0,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let idp;
  try {
    idp = await startDemoIdp({
      host,
      port: options.idpPort ?? 0,
      rolegateUrl,
      ...(options.idpIssuer ? { issuer: options.idpIssuer } : {}),
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
      ...(options.extraUsers ? { extraUsers: options.extraUsers } : {}),
    });
  } catch (error) {
    await sts.close();
    throw error;
  }
  const world = sts.services.world;
  const byAccount = (arns: Iterable<{ arn: string; account: { id: string } }>) => {
    const map: Record<string, string[]> = {};
    for (const { arn, account } of arns) (map[account.id] ??= []).push(arn);
    return map;
  };
  return {
    stsUrl: sts.url,
    iamUrl: sts.url,
    issuedSession: (accessKeyId) => sts.services.registry.get(accessKeyId),
    federationUrl: sts.federationUrl,
    consoleUrl: `${sts.url}/console/`,
    ...(sts.organization
      ? {
          organizations: {
            url: sts.url,
            organizationId: sts.organization.id,
            managementAccountId: sts.organization.managementAccountId,
            accountCount: sts.organization.accounts.length,
          },
        }
      : {}),
    idp: idp.client,
    users: DEMO_USERS,
    samlProviders: byAccount(world.samlProviders.values()),
    oidcProviders: byAccount(world.oidcProviders.values()),
    roles: [...world.roles.values()].map((role) => ({
      arn: role.arn,
      accountId: role.account.id,
      ...(role.account.alias ? { accountAlias: role.account.alias } : {}),
      maxSessionDuration: role.maxSessionDuration,
    })),
    accessKeys: [...world.accessKeys.values()].map((key) => ({
      userArn: key.user.arn,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
    })),
    close: async () => {
      await Promise.all([idp.close(), sts.close()]);
    },
  };
}
