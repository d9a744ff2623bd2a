import type { FaultInjector } from '../../faults/fault-injector.js';
import type { CredentialRegistry } from '../credentials/credential-registry.js';
import type { IssuedSession } from '../credentials/issued-credentials.js';
import type { IamUser, IamWorld, Role } from '../model/iam-world.js';
import type { OidcKeyCache } from '../oidc/oidc-key-cache.js';
import { evaluatePolicy, type RequestContext, type RequestPrincipal } from '../policy/evaluate-policy.js';
import type { QueryParams } from '../protocol/query-params.js';
import { StsError } from '../protocol/sts-error.js';
import type { XmlTree } from '../protocol/xml.js';
import type { SamlMetadataCache } from '../saml/saml-metadata-cache.js';

/** The authenticated caller of a SigV4-signed call. */
export type Caller = { kind: 'user'; user: IamUser; accessKeyId: string } | { kind: 'session'; session: IssuedSession };

/** Everything an action may use; built once per server, plus the per-call caller and region. */
export interface StsServices {
  world: IamWorld;
  registry: CredentialRegistry;
  samlMetadata: SamlMetadataCache;
  oidcKeys: OidcKeyCache;
  now: () => Date;
  /** The Region the endpoint answers as when a call is not signed for one. */
  defaultRegion: string;
  /** Faults tests inject (throttling, 5xx, a stalled answer): devstack/faults. */
  faults: FaultInjector;
}

export interface ActionCall {
  params: QueryParams;
  services: StsServices;
  /** Set for signed calls only. */
  caller?: Caller;
  /** The signing Region of a signed call, otherwise the endpoint's default Region. */
  region: string;
}

export type StsAction = (call: ActionCall) => Promise<XmlTree> | XmlTree;

/**
 * Checks the role's trust policy for each action the request needs (AssumeRole*,
 * plus sts:TagSession when tags are passed and sts:SetSourceIdentity when a source
 * identity is set), as IAM does; any refusal is AccessDenied.
 */
export function authorizeTrust(
  role: Role,
  principal: RequestPrincipal,
  context: RequestContext,
  actions: readonly string[],
  deny: (action: string) => string,
): void {
  for (const action of actions) {
    if (evaluatePolicy(role.trustPolicy, { action, principal, context }) !== 'allow') throw new StsError('AccessDenied', deny(action));
  }
}

export function assertRegionEnabled(role: Role, region: string): void {
  if (role.account.disabledRegions.has(region))
    throw new StsError(
      'RegionDisabledException',
      `STS is not activated in this region for account:${role.account.id}. Your account administrator can activate STS in this region using the IAM Console.`,
    );
}

/** Context keys for session tags: `aws:RequestTag/<key>` and `aws:TagKeys`. */
export function tagContext(tags: Readonly<Record<string, string>>): [string, string[]][] {
  const entries: [string, string[]][] = Object.entries(tags).map(([k, v]) => [`aws:requesttag/${k.toLowerCase()}`, [v]]);
  if (Object.keys(tags).length > 0) entries.push(['aws:tagkeys', Object.keys(tags)]);
  return entries;
}
