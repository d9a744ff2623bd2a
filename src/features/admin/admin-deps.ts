import type { AccessAdminStore } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import type { Logger } from '../../ports/logger.js';
import type { Caller } from '../credentials/issue-credentials.js';
import type { Principal } from '../../domain/principal.js';
import { RolegateError } from '../../domain/errors.js';
import { plainHttpRefusal, type PlainHttpPolicy } from '../../domain/plain-http.js';
import type { AccessFileResult } from './access-file.js';
import type { ModelCheck } from './model-check.js';

/** What the administration use cases need (wired in src/composition/admin.ts). */
export interface AdminDeps {
  store: AccessAdminStore;
  /** Told after every committed change, so this instance and every other reload at once. */
  accessModel: { reload(): Promise<unknown>; announceChange(): Promise<void> };
  logger: Logger;
  /** Parses and validates an access file (parseAccessYaml, or off the event loop: parse-off-thread.ts). */
  parseAccessFile?: (text: string) => Promise<AccessFileResult>;
  /** Which plain-http URLs an access model may name (an account's stsEndpoint): none in production. */
  transport: PlainHttpPolicy;
  /**
   * After a committed change: ends the just-in-time grants whose eligible
   * mapping it removed (features/access-requests: endGrantsOfRemovedMappings),
   * recorded as ended by the administrator. Wired once access requests are built.
   */
  endGrantsOfRemovedMappings?: (actor: Actor) => Promise<unknown>;
  /** Remembers the stored entries already validated, so a one-object save does not validate the whole model again (model-check.ts). */
  modelCheck?: ModelCheck;
  /** The identities seen signing in (the audit trail), so a plan names the users a change reaches. */
  signIns?: Pick<AuditQuery, 'lastSignIns'>;
}

/** Where an identity provider's settings name a URL rolegate fetches trust from or sends users to. */
const IDP_URL_SETTINGS = ['issuer', 'metadataUrl', 'ssoUrl', 'sloUrl'] as const;

/**
 * URLs an access model names that carry secrets or trust — an account's stsEndpoint (signed
 * assertions out, credentials back), an identity provider's issuer, metadata, sign-in and sign-out
 * URLs (pinned certificates, assertions) — must be https in production (or, opted in, a loopback
 * sidecar), checked when they are written, as start-up checks the configured ones. Refused with
 * 400 naming each object.
 */
export function checkTransport(
  objects: { accounts?: readonly Record<string, unknown>[]; identityProviders?: readonly Record<string, unknown>[] },
  policy: PlainHttpPolicy,
): void {
  const problems: string[] = [];
  const check = (where: string, url: unknown, carries: string) => {
    if (typeof url !== 'string') return;
    const refusal = plainHttpRefusal(url, carries, policy);
    if (refusal) problems.push(`${where} ${url.slice(0, 200)}: ${refusal}`);
  };
  for (const account of objects.accounts ?? [])
    check(`account ${String(account.id)}: stsEndpoint`, account.stsEndpoint, 'signed assertions and the credentials STS returns');
  for (const idp of objects.identityProviders ?? []) {
    const settings = (typeof idp.settings === 'object' && idp.settings !== null ? idp.settings : {}) as Record<string, unknown>;
    for (const key of IDP_URL_SETTINGS)
      check(`identity provider ${String(idp.slug)}: settings.${key}`, settings[key], 'sign-in trust: keys, metadata and assertions');
    const metadata = settings.metadata;
    if (typeof metadata === 'object' && metadata !== null)
      check(
        `identity provider ${String(idp.slug)}: settings.metadata.url`,
        (metadata as { url?: unknown }).url,
        'the pinned signing certificates',
      );
  }
  if (problems.length > 0)
    throw new RolegateError('invalid_request', { detail: problems.slice(0, 5).join('; '), extras: { issues: problems.slice(0, 100) } });
}

/** The administrator acting (a portal session or a CLI bearer token), or rolegate itself applying ROLEGATE_ACCESS_FILE. */
export interface Actor extends Omit<Caller, 'principal'> {
  principal: Pick<Principal, 'id' | 'idp' | 'groups'>;
}

/** The request facts every admin audit event carries; the subject is the acting administrator. */
export function actorFields(actor: Actor): Omit<AuditEvent, 'type' | 'outcome'> {
  return {
    subject: actor.principal.id,
    idp: actor.principal.idp,
    groups: actor.principal.groups,
    requestId: actor.requestId,
    ...(actor.sourceIp ? { sourceIp: actor.sourceIp } : {}),
    ...(actor.userAgent ? { userAgent: actor.userAgent.slice(0, 512) } : {}),
  };
}

/** After a commit: reload here now (so the next request sees it), end the grants of removed mappings, and tell the other instances. */
export async function accessChanged(deps: AdminDeps, actor: Actor): Promise<void> {
  await deps.accessModel.reload().catch((error: unknown) => deps.logger.warn({ reason: (error as Error).message }, 'reload failed'));
  // A failure here is caught by every instance's sweep (access-requests composition) within seconds.
  await deps
    .endGrantsOfRemovedMappings?.(actor)
    .catch((error: unknown) =>
      deps.logger.warn({ reason: (error as Error).message }, 'could not end the grants of removed mappings now; the sweep will'),
    );
  await deps.accessModel
    .announceChange()
    .catch((error: unknown) =>
      deps.logger.warn(
        { reason: (error as Error).message },
        'could not announce the access-model change; other instances reload on their timer',
      ),
    );
}
