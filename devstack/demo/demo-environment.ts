import type { Devstack } from '../start-devstack.js';

export interface DemoOptions {
  port: string;
  publicUrl: string;
  /** The demo access model (accounts, roles, group mappings), applied at start-up. */
  accessFile: string | undefined;
}

/** rolegate's identity provider entry for the devstack's demo OIDC IdP (slug `demo`). */
export function demoIdentityProvider(devstack: Devstack) {
  const { idp } = devstack;
  return {
    slug: 'demo',
    displayName: 'Demo IdP',
    kind: 'oidc',
    groupsFrom: idp.groupsClaim,
    settings: { issuer: idp.issuer, clientId: idp.clientId, allowInsecureLoopbackIssuer: true, scopes: idp.scopes },
    clientSecret: idp.clientSecret,
  };
}

/** What points rolegate's exchange at the devstack: the local STS and federation endpoints and the broker's keys. */
export function devstackExchangeEnvironment(devstack: Devstack): Record<string, string> {
  const [broker] = devstack.accessKeys;
  return {
    ROLEGATE_STS_ENDPOINT: devstack.stsUrl,
    // The revoker's IAM calls (accounts with a revoker role): the devstack's IAM subset.
    ROLEGATE_IAM_ENDPOINT: devstack.iamUrl,
    ROLEGATE_FEDERATION_ENDPOINT: devstack.federationUrl,
    ROLEGATE_SESSION_NAME_IDP: 'demo',
    // The devstack's broker is an IAM user: its assume-role calls are not role chaining.
    ROLEGATE_AWS_CALLER_IS_ROLE: 'false',
    ...(broker ? { ROLEGATE_AWS_ACCESS_KEY_ID: broker.accessKeyId, ROLEGATE_AWS_SECRET_ACCESS_KEY: broker.secretAccessKey } : {}),
  };
}

/** The environment of `npm start`: rolegate wired to the devstack, with the demo IdP and access model. */
export function demoEnvironment(devstack: Devstack, options: DemoOptions): Record<string, string> {
  return {
    ROLEGATE_MODE: 'demo',
    ROLEGATE_PORT: options.port,
    ROLEGATE_PUBLIC_URL: options.publicUrl,
    ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([demoIdentityProvider(devstack)]),
    ...devstackExchangeEnvironment(devstack),
    // The stand-in console: the real one is not reachable from the demo.
    ROLEGATE_CONSOLE_URL: devstack.consoleUrl,
    ...(options.accessFile ? { ROLEGATE_ACCESS_FILE: options.accessFile } : {}),
  };
}
