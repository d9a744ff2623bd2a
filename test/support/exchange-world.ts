import { demoIdentityProvider, devstackExchangeEnvironment } from '../../devstack/demo/demo-environment.js';
import { startDevstack, type Devstack } from '../../devstack/start-devstack.js';
import { Browser, formAction } from './browser.js';
import { startLoginApp, type RunningApp } from './login-app.js';
import type { Clock } from '../../src/ports/clock.js';

export const SANDBOX = '111111111111';
export const PROD = '222222222222';
const saml = (account: string) => `arn:aws:iam::${account}:saml-provider/rolegate`;

export interface MappingSeed {
  group: string;
  role: string; // role ARN
  idp?: string;
  match?: 'exact' | 'glob';
  requireMfa?: boolean;
  mfaMaxAgeSeconds?: number;
  maxSessionSeconds?: number;
  allowedCidrs?: string[];
  breakGlass?: boolean;
  /** Just-in-time access: an eligible mapping with its approval policy, as the access file writes it. */
  access?: 'standing' | 'eligible';
  approval?: {
    approverGroups: string[];
    approvals?: 1 | 2;
    maxGrant: string;
    reasonRequired?: boolean;
    ticketPattern?: string;
    autoApproveGroups?: string[];
    approverMfaMaxAge?: string;
  };
  /** Session policies, as stored: compact JSON, managed policy ARNs, what users see. */
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
  sessionPolicyDescription?: string;
}

/** The demo access model over the devstack world (devstack/devstack.yaml), as the demo launcher seeds it. */
export const DEMO_MAPPINGS: MappingSeed[] = [
  { group: 'aws-dev', role: `arn:aws:iam::${SANDBOX}:role/Developer` },
  { group: 'aws-dev', role: `arn:aws:iam::${SANDBOX}:role/WebIdentityDeveloper` },
  { group: 'aws-dev', role: `arn:aws:iam::${SANDBOX}:role/BrokerDeveloper` },
  { group: 'aws-readonly', role: `arn:aws:iam::${SANDBOX}:role/ReadOnly` },
  { group: 'aws-readonly', role: `arn:aws:iam::${PROD}:role/ReadOnly` },
  { group: 'aws-readonly', role: `arn:aws:iam::${PROD}:role/BrokerReadOnly` },
  { group: 'aws-admin', role: `arn:aws:iam::${PROD}:role/Admin`, requireMfa: true },
  { group: 'aws-admin', role: `arn:aws:iam::${PROD}:role/breakglass/BreakGlass`, breakGlass: true },
];

/** How each devstack role is reached: the exchange mode and the provider it names. */
function roleShape(
  arn: string,
  account: string,
): { mode: 'saml' | 'web-identity' | 'assume-role'; provider?: string; externalId?: string } {
  if (arn.endsWith('/WebIdentityDeveloper')) return { mode: 'web-identity', provider: `arn:aws:iam::${account}:oidc-provider/placeholder` };
  if (arn.endsWith('/BrokerDeveloper')) return { mode: 'assume-role' };
  if (arn.endsWith('/BrokerReadOnly')) return { mode: 'assume-role', externalId: 'rolegate-demo' };
  return { mode: 'saml', provider: saml(account) };
}

export interface ExchangeWorld {
  devstack: Devstack;
  app: RunningApp;
  /** Signs a demo user (alice, bob, carol) in through the demo IdP; returns the browser holding the session. */
  signIn(user: string): Promise<SignedIn>;
  /** Replaces the group mappings and tells rolegate at once (as an admin change does). */
  setMappings(mappings: MappingSeed[]): Promise<void>;
  close(): Promise<void>;
}

export interface SignedIn {
  browser: Browser;
  csrfToken: string;
  /** Calls a rolegate API with the session cookie (and the CSRF token on writes). */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/**
 * rolegate wired to the devstack exactly as the demo is: the demo OIDC IdP for
 * sign-in, the local STS for every exchange, the devstack's broker keys for
 * assume-role, and the demo access model in PostgreSQL.
 */
export async function startExchangeWorld(
  env: Record<string, string> | ((devstack: Devstack) => Promise<Record<string, string>>) = {},
  mappings: MappingSeed[] = DEMO_MAPPINGS,
  options: {
    extraIdps?: (publicUrl: string) => unknown[];
    clock?: Clock;
    /** Another devstack YAML than devstack/devstack.yaml (its roles are seeded into rolegate as the demo's are). */
    devstackConfigFile?: string;
  } = {},
): Promise<ExchangeWorld> {
  let devstack: Devstack | undefined;
  const app = await startLoginApp(
    async (url) => {
      devstack = await startDevstack({
        rolegateUrl: url,
        ...(options.devstackConfigFile ? { configFile: options.devstackConfigFile } : {}),
      });
      return [demoIdentityProvider(devstack), ...(options.extraIdps?.(url) ?? [])];
    },
    async () => {
      if (!devstack) throw new Error('devstack not started');
      return {
        ...devstackExchangeEnvironment(devstack),
        ...(typeof env === 'function' ? await env(devstack) : env),
      };
    },
    options.clock ? { clock: options.clock } : {},
  );
  if (!devstack) throw new Error('devstack not started');
  const world = devstack;
  const prisma = app.t.deps.database.prisma;

  // Accounts and roles of the devstack world.
  for (const account of [
    { id: SANDBOX, alias: 'sandbox' },
    { id: PROD, alias: 'prod' },
  ]) {
    await prisma.awsAccount.create({ data: { id: account.id, alias: account.alias, region: 'us-east-1' } });
  }
  const issuerId = new URL(app.url).host;
  for (const role of world.roles) {
    const shape = roleShape(role.arn, role.accountId);
    const provider = shape.mode === 'web-identity' ? `arn:aws:iam::${role.accountId}:oidc-provider/${issuerId}` : shape.provider;
    await prisma.role.create({
      data: {
        accountId: role.accountId,
        name: role.arn.split('/').at(-1) ?? role.arn,
        arn: role.arn,
        exchangeMode: shape.mode === 'web-identity' ? 'web_identity' : shape.mode === 'assume-role' ? 'assume_role' : 'saml',
        providerArn: provider ?? null,
        externalId: shape.externalId ?? null,
        maxSessionSeconds: role.maxSessionDuration,
        description: `${role.arn.split('/').at(-1) ?? ''} in ${role.accountAlias ?? role.accountId}`,
      },
    });
  }

  const setMappings = async (next: MappingSeed[]) => {
    await prisma.groupMapping.deleteMany({});
    const roles = new Map((await prisma.role.findMany()).map((r) => [r.arn, r.id]));
    const idps = new Map((await prisma.identityProvider.findMany()).map((i) => [i.slug, i.id]));
    for (const m of next) {
      const roleId = roles.get(m.role);
      if (!roleId) throw new Error(`no role ${m.role} in the devstack world`);
      await prisma.groupMapping.create({
        data: {
          group: m.group,
          match: m.match ?? 'exact',
          roleId,
          idpId: m.idp ? (idps.get(m.idp) ?? null) : null,
          requireMfa: m.requireMfa ?? false,
          mfaMaxAgeSeconds: m.mfaMaxAgeSeconds ?? null,
          maxSessionSeconds: m.maxSessionSeconds ?? null,
          allowedCidrs: m.allowedCidrs ?? [],
          breakGlass: m.breakGlass ?? false,
          access: m.access ?? 'standing',
          sessionPolicy: m.sessionPolicy ?? null,
          sessionPolicyArns: m.sessionPolicyArns ?? [],
          sessionPolicyDescription: m.sessionPolicyDescription ?? null,
          ...(m.approval
            ? {
                approval: {
                  approvals: 1,
                  reasonRequired: true,
                  autoApproveGroups: [],
                  ...m.approval,
                },
              }
            : {}),
        },
      });
    }
    await app.t.deps.credentials.accessModel.reload();
  };
  await setMappings(mappings);

  return {
    devstack: world,
    app,
    setMappings,
    signIn: (user) => signInThroughDemoIdp(app.url, user),
    close: async () => {
      await app.close();
      await world.close();
    },
  };
}

/**
 * Signs `user` in through the demo IdP. `factor`: `otp` adds a second factor to the login, `pwd`
 * makes it a password-only one; by default the person's own methods.
 */
export async function signInThroughDemoIdp(rolegateUrl: string, user: string, factor?: 'otp' | 'pwd'): Promise<SignedIn> {
  const browser = new Browser();
  // rolegate → demo IdP authorize → its sign-in page.
  const toIdp = await browser.follow(`${rolegateUrl}/auth/oidc/demo/login`);
  const page = await toIdp.response.text();
  const action = formAction(page);
  if (!action) throw new Error(`the demo IdP did not show its sign-in form:\n${page.slice(0, 500)}`);
  // Pick the user; the IdP redirects back to rolegate's callback, which sets the session.
  const back = await browser.follow(new URL(action, toIdp.url).href, {
    method: 'POST',
    form: { user, ...(factor ? { factor } : {}) },
    // Signed in once the callback sends the browser on into rolegate (the portal).
    stopAt: (url) => url.startsWith(rolegateUrl) && !url.includes('/auth/oidc/'),
  });
  if (back.response.status >= 400)
    throw new Error(`sign-in as ${user} failed: ${String(back.response.status)} ${await back.response.text()}`);
  const me = await browser.request(`${rolegateUrl}/api/v1/me`);
  if (me.status !== 200) throw new Error(`no session after signing in as ${user}: ${String(me.status)}`);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  return {
    browser,
    csrfToken,
    api: (path, init = {}) =>
      browser.request(`${rolegateUrl}${path}`, {
        ...(init.method ? { method: init.method } : {}),
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.method && init.method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
  };
}
