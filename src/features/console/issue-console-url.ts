import type { AwsAccount } from '../../domain/access-model.js';
import { consoleDestinationFor, consoleUrlFor, signinTokenRequestFor, standInDestinationFor } from '../../domain/console-url.js';
import { RolegateError } from '../../domain/errors.js';
import { Secret } from '../../domain/secret.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import type { FederationGateway } from '../../ports/federation-gateway.js';
import {
  issueCredentials,
  type Caller,
  type CredentialsAsk,
  type CredentialsDeps,
  type IssuedCredentials,
} from '../credentials/issue-credentials.js';

/** A sign-in token (and so the login URL) works for 15 minutes (IAM user guide, custom broker console access). */
export const SIGNIN_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface ConsoleSettings {
  /** rolegate's portal URL: AWS sends users here when their console session ends (`Issuer`). */
  issuerUrl: string;
  /** A configured federation endpoint for every account (devstack); default: the partition's regional one. */
  federationEndpoint?: string;
  /** A stand-in console (devstack) replacing the partition's console host. */
  standInConsole?: string;
}

export interface ConsoleDeps {
  credentials: CredentialsDeps;
  federation: FederationGateway;
  settings: ConsoleSettings;
}

export interface ConsoleAsk {
  /** 12-digit id or alias. */
  account: string;
  role: string;
  destination?: string;
  /** The console session length to ask for (SessionDuration). */
  consoleSeconds?: number;
  justification?: string;
}

export interface IssuedConsoleUrl {
  account: AwsAccount;
  role: IssuedCredentials['role'];
  /** The login URL: a bearer secret for 15 minutes. */
  url: Secret;
  expiresAt: Date;
  sessionDurationSeconds?: number;
  notes: string[];
}

/**
 * A one-time console sign-in URL for one role. The credentials come through
 * the normal issuance (entitlement, break-glass justification, cache, audit);
 * the sign-in token is fetched fresh every time and never stored — it would
 * otherwise be a reusable 15-minute key to the console. The destination is
 * checked before anything is issued. Limited per user (`rateLimits.consoleUrlsPerUser`).
 */
export async function issueConsoleUrl(deps: ConsoleDeps, caller: Caller, ask: ConsoleAsk): Promise<IssuedConsoleUrl> {
  // Every console URL is a call to the federation endpoint (and maybe an STS exchange): limited per user.
  await deps.credentials.limits.enforce('consoleUrlsPerUser', caller.principal.id, caller.log);
  const model = await deps.credentials.accessModel.index();
  const known = model.accountById.get(ask.account) ?? model.accountByAlias.get(ask.account);
  if (known) destinationFor(deps.settings, known, ask.destination);

  const credentialsAsk: CredentialsAsk = {
    account: ask.account,
    role: ask.role,
    ...(ask.justification === undefined ? {} : { justification: ask.justification }),
  };
  const issued = await issueCredentials(deps.credentials, caller, credentialsAsk);
  const { account, role, credentials } = issued;
  const notes: string[] = [];
  const chained = role.exchangeMode === 'assume-role' && deps.credentials.callerIsRole;
  let consoleSeconds = ask.consoleSeconds;
  // A chained session gets no SessionDuration at all (noted below), so capping it would only confuse.
  if (!chained && consoleSeconds !== undefined && consoleSeconds > role.maxSessionSeconds) {
    notes.push(
      `Requested a ${String(consoleSeconds)} s console session; asked for ${String(role.maxSessionSeconds)} s, the longest ${role.name} allows.`,
    );
    consoleSeconds = role.maxSessionSeconds;
  }
  const tokenRequest = signinTokenRequestFor({
    partition: account.partition,
    region: account.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: new Secret(credentials.secretAccessKey),
      sessionToken: new Secret(credentials.sessionToken),
    },
    ...(consoleSeconds === undefined ? {} : { sessionDurationSeconds: consoleSeconds }),
    chained,
    ...(deps.settings.federationEndpoint ? { endpoint: deps.settings.federationEndpoint } : {}),
  });
  if (tokenRequest.sessionDurationIgnored) {
    notes.push(
      `SessionDuration was not sent: ${tokenRequest.sessionDurationIgnored}; the console session lasts as long as the credentials (at most 1 hour).`,
    );
  }

  const audit: AuditEvent = {
    type: 'console.url_issued',
    outcome: 'success',
    subject: caller.principal.id,
    idp: caller.principal.idp,
    groups: caller.principal.groups,
    accountId: account.id,
    roleArn: role.arn,
    mode: role.exchangeMode,
    ...(tokenRequest.sessionDurationSeconds === undefined ? {} : { durationSeconds: tokenRequest.sessionDurationSeconds }),
    requestId: caller.requestId,
    ...(caller.sourceIp ? { sourceIp: caller.sourceIp } : {}),
    ...(caller.userAgent ? { userAgent: caller.userAgent.slice(0, 512) } : {}),
  };
  const destination = destinationFor(deps.settings, account, ask.destination);
  const where = { destination: withoutQuery(destination), sessionName: credentials.sessionName, chained };
  let signinToken: Secret;
  try {
    signinToken = await deps.federation.getSigninToken({ url: tokenRequest.url, body: tokenRequest.body });
  } catch (error) {
    const reason = error instanceof RolegateError ? `${error.code}: ${error.detail}` : 'unexpected error';
    await deps.credentials.audit
      .record({ ...audit, outcome: 'error', reason, details: where })
      .catch((auditError: unknown) => caller.log.error({ err: auditError }, 'could not record a failed console sign-in'));
    throw error;
  }
  const url = consoleUrlFor({
    partition: account.partition,
    region: account.region,
    issuer: deps.settings.issuerUrl,
    destination,
    signinToken,
    regionalEndpoint: true,
    ...(deps.settings.federationEndpoint ? { endpoint: deps.settings.federationEndpoint } : {}),
    ...(deps.settings.standInConsole ? { standInConsole: deps.settings.standInConsole } : {}),
  });
  try {
    await deps.credentials.audit.record({ ...audit, details: { ...where, ...(notes.length > 0 ? { notes } : {}) } });
  } catch (error) {
    throw new RolegateError('dependency_unavailable', {
      detail: 'The audit trail (PostgreSQL) is unavailable, so no console sign-in URL is issued; try again shortly',
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
  return {
    account,
    role,
    url,
    expiresAt: new Date(deps.credentials.clock.now() + SIGNIN_TOKEN_LIFETIME_MS),
    ...(tokenRequest.sessionDurationSeconds === undefined ? {} : { sessionDurationSeconds: tokenRequest.sessionDurationSeconds }),
    notes,
  };
}

function destinationFor(settings: ConsoleSettings, account: AwsAccount, destination: string | undefined): string {
  return settings.standInConsole === undefined
    ? consoleDestinationFor(account.partition, account.region, destination)
    : standInDestinationFor(settings.standInConsole, account.region, destination);
}

/** The audit keeps where the user went, not the query (a deep link may carry resource names). */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
