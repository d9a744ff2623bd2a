import { sessionPolicyNote } from '../../domain/session-policy.js';
import type { RolesResponse } from '../../contracts/roles.js';
import { describeFailure, entitlementsIn, type Entitlements } from '../../domain/entitlements.js';
import type { Principal } from '../../domain/principal.js';
import type { Clock } from '../../ports/clock.js';
import type { AccessModelCache } from './access-model-cache.js';
import type { GrantLookup } from './issue-credentials.js';

/** The caller's entitled roles by account, and the denied-but-visible ones with the reasons. */
export async function listRoles(
  deps: { accessModel: AccessModelCache; clock: Clock; grants?: GrantLookup | undefined },
  principal: Principal,
  sourceIp: string | undefined,
): Promise<RolesResponse> {
  const model = await deps.accessModel.index();
  const grants = deps.grants;
  const entitlements = entitlementsIn(model, {
    principal,
    sourceIp,
    now: deps.clock.now(),
    ...(grants ? { grantFor: (roleId: string) => grants.grantFor(principal.id, roleId) } : {}),
  });
  return rolesResponseOf(entitlements);
}

/** The roles answer (contracts/roles.ts) of a decision. */
export function rolesResponseOf(entitlements: Entitlements): RolesResponse {
  return {
    accounts: entitlements.accounts.map(({ account, entitled, denied, eligible }) => ({
      id: account.id,
      alias: account.alias,
      partition: account.partition,
      region: account.region,
      roles: entitled.map((e) => ({
        name: e.role.name,
        arn: e.role.arn,
        description: e.role.description,
        mode: e.role.exchangeMode,
        maxSessionSeconds: e.maxSessionSeconds,
        breakGlass: e.breakGlass,
        mfaRequired: e.mfaRequired,
        viaGroups: e.groups,
        ...(e.grant ? { grant: { id: e.grant.id, endsAt: new Date(e.grant.endsAt).toISOString() } } : {}),
        ...policyNote(sessionPolicyNote(e.sessionPolicy)),
      })),
      denied: denied.map((d) => ({
        name: d.role.name,
        arn: d.role.arn,
        description: d.role.description,
        reasons: d.misconfigured
          ? [`This role cannot be used: ${d.misconfigured}`]
          : [...new Set(d.mappings.flatMap((m) => m.failures.map(describeFailure)))],
        conditions: d.misconfigured ? ['role_misconfigured'] : [...new Set(d.mappings.flatMap((m) => m.failures.map((f) => f.condition)))],
      })),
      eligible: eligible.map((e) => ({
        name: e.role.name,
        arn: e.role.arn,
        description: e.role.description,
        maxGrantSeconds: e.policy.maxGrantSeconds,
        approvalsNeeded: e.policy.approvalsNeeded,
        reasonRequired: e.policy.reasonRequired,
        ...(e.policy.ticketPattern === undefined ? {} : { ticketPattern: e.policy.ticketPattern }),
        approverGroups: e.policy.approverGroups,
        viaGroups: e.groups,
      })),
    })),
  };
}

function policyNote(note: string | undefined): { sessionPolicy?: string } {
  return note === undefined ? {} : { sessionPolicy: note };
}
