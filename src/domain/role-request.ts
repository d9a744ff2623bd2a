import type { AwsAccount, AwsRole } from './access-model.js';
import { RolegateError } from './errors.js';
import type { AccessIndex } from './access-index.js';
import {
  describeFailure,
  roleEntitlementIn,
  type Asker,
  type Entitlements,
  type RoleDenial,
  type RoleEligibility,
  type RoleEntitlement,
} from './entitlements.js';
import { formatDuration, stepUpUrl } from './access-requests.js';

/** What a user asks for: an account (12-digit id or alias) and a role (name or ARN). */
export interface RoleRequest {
  account: string;
  role: string;
  /** Typed reason, required for break-glass roles. */
  justification?: string;
}

export type RoleRequestDenial =
  | { reason: 'unknown_account'; detail: string }
  | { reason: 'unknown_role'; detail: string }
  | { reason: 'not_entitled'; detail: string; account: AwsAccount; role: AwsRole }
  | { reason: 'condition_failed'; detail: string; account: AwsAccount; role: AwsRole; denial: RoleDenial }
  | { reason: 'role_misconfigured'; detail: string; account: AwsAccount; role: AwsRole }
  | { reason: 'justification_required'; detail: string; entitlement: RoleEntitlement }
  | { reason: 'grant_required'; detail: string; account: AwsAccount; role: AwsRole; eligibility: RoleEligibility };

export type RoleRequestResult = { ok: true; entitlement: RoleEntitlement; justification?: string } | ({ ok: false } & RoleRequestDenial);

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 500;

/**
 * Checks one requested role against a user's entitlements. The catalog
 * (every account and role, or just `AccessStore.catalogFor(account, role)`)
 * tells "no such role" from "not yours"; both are refused (`roleRequestError`).
 * Role names match exactly; IAM also treats names as case-insensitive, so a
 * request differing only in case is still found (IAM cannot hold both).
 */
export function checkRoleRequest(
  entitlements: Entitlements,
  catalog: { accounts: readonly AwsAccount[]; roles: readonly AwsRole[] },
  request: RoleRequest,
): RoleRequestResult {
  const account = catalog.accounts.find((a) => a.id === request.account) ?? catalog.accounts.find((a) => a.alias === request.account);
  if (account === undefined) return unknownAccount(request);
  const inAccount = catalog.roles.filter((r) => r.accountId === account.id);
  const role =
    inAccount.find((r) => r.name === request.role || r.arn === request.role) ??
    inAccount.find((r) => r.name.toLowerCase() === request.role.toLowerCase());
  if (role === undefined) return unknownRole(request, account);
  const bucket = entitlements.accounts.find((a) => a.account.id === account.id);
  return judge(
    account,
    role,
    bucket?.entitled.find((e) => e.role.id === role.id),
    bucket?.denied.find((d) => d.role.id === role.id),
    request,
    bucket?.eligible.find((e) => e.role.id === role.id),
  );
}

/**
 * checkRoleRequest over an indexed model: the account and role are looked up,
 * and only the asked role is decided (roleEntitlementIn), so a request costs
 * the user's groups and that role's mappings, whatever the model's size.
 * Same answers as checkRoleRequest(entitlementsFor(…), model, request).
 */
export function checkRoleRequestIn(index: AccessIndex, asker: Asker, request: RoleRequest): RoleRequestResult {
  const account = index.accountById.get(request.account) ?? index.accountByAlias.get(request.account);
  if (account === undefined) return unknownAccount(request);
  const own = index.rolesByAccount.get(account.id);
  const role = own?.exact.get(request.role) ?? own?.folded.get(request.role.toLowerCase());
  if (role === undefined) return unknownRole(request, account);
  const decided = roleEntitlementIn(index, asker, role.id);
  // The decision files a role under the account its id names; checkRoleRequest looks it up under the requested account.
  const same = decided !== undefined && decided.account.id === account.id;
  return judge(
    account,
    role,
    same && 'entitled' in decided ? decided.entitled : undefined,
    same && 'denied' in decided ? decided.denied : undefined,
    request,
    same && 'eligible' in decided ? decided.eligible : undefined,
  );
}

function unknownAccount(request: RoleRequest): RoleRequestResult {
  return { ok: false, reason: 'unknown_account', detail: `There is no AWS account "${request.account}"` };
}

function unknownRole(request: RoleRequest, account: AwsAccount): RoleRequestResult {
  return { ok: false, reason: 'unknown_role', detail: `There is no role "${request.role}" in account ${account.alias} (${account.id})` };
}

function judge(
  account: AwsAccount,
  role: AwsRole,
  entitlement: RoleEntitlement | undefined,
  denial: RoleDenial | undefined,
  request: RoleRequest,
  eligibility?: RoleEligibility,
): RoleRequestResult {
  if (eligibility !== undefined) {
    return {
      ok: false,
      reason: 'grant_required',
      detail: `${role.name} in ${account.alias} needs an approved access request (grants last at most ${formatDuration(eligibility.policy.maxGrantSeconds)}): run \`rolegate request --account ${account.alias} --role ${role.name} --reason "…"\` or request it in the portal`,
      account,
      role,
      eligibility,
    };
  }
  if (entitlement !== undefined) {
    if (!entitlement.breakGlass) return { ok: true, entitlement };
    const justification = request.justification?.trim() ?? '';
    const length = Array.from(justification).length;
    // Printable text only: it is audited and logged, and must not forge log lines.
    if (length < JUSTIFICATION_MIN || length > JUSTIFICATION_MAX || /[\p{Cc}\p{Cf}]/u.test(justification)) {
      return {
        ok: false,
        reason: 'justification_required',
        detail: `${role.name} in ${account.alias} is a break-glass role: give a justification of ${String(JUSTIFICATION_MIN)}-${String(JUSTIFICATION_MAX)} printable characters`,
        entitlement,
      };
    }
    return { ok: true, entitlement, justification };
  }
  if (denial?.misconfigured !== undefined) {
    return {
      ok: false,
      reason: 'role_misconfigured',
      detail: `${role.name} in ${account.alias} cannot be used: ${denial.misconfigured}`,
      account,
      role,
    };
  }
  if (denial !== undefined && denial.mappings.length > 0) {
    const reasons = [...new Set(denial.mappings.flatMap((m) => m.failures.map(describeFailure)))];
    return {
      ok: false,
      reason: 'condition_failed',
      detail: `You may not use ${role.name} in ${account.alias} now: ${reasons.join('; ')}`,
      account,
      role,
      denial,
    };
  }
  return { ok: false, reason: 'not_entitled', detail: `Your groups do not entitle you to ${role.name} in ${account.alias}`, account, role };
}

/**
 * The answer to give for a refused request: `not_found` for an account or role
 * that does not exist, `role_not_entitled` (403) for the rest — with the failed
 * conditions in `conditions` so the portal and CLI can say what to do — and
 * `invalid_request` when only the break-glass justification is missing.
 */
export function roleRequestError(denial: RoleRequestDenial): RolegateError {
  switch (denial.reason) {
    case 'unknown_account':
    case 'unknown_role':
      return new RolegateError('not_found', { detail: denial.detail, extras: { reason: denial.reason } });
    case 'justification_required':
      return new RolegateError('invalid_request', {
        detail: denial.detail,
        extras: { reason: denial.reason, breakGlass: true, justification: { minLength: JUSTIFICATION_MIN, maxLength: JUSTIFICATION_MAX } },
      });
    case 'condition_failed': {
      const extras = {
        reason: denial.reason,
        conditions: [...new Set(denial.denial.mappings.flatMap((m) => m.failures.map((f) => f.condition)))],
      };
      // A mapping that fails only because the MFA sign-in is too old is passed by signing in
      // again: say so, and where (docs/just-in-time.md, "Step-up"). A sign-in without any second
      // factor stays role_not_entitled (mfa_required): the user's IdP decides whether they have one.
      const stepUpFixes = denial.denial.mappings.some((m) => m.failures.length > 0 && m.failures.every((f) => f.condition === 'mfa_stale'));
      if (stepUpFixes)
        return new RolegateError('step_up_required', { detail: denial.detail, extras: { ...extras, stepUpUrl: stepUpUrl('/') } });
      return new RolegateError('role_not_entitled', { detail: denial.detail, extras });
    }
    case 'grant_required':
      return new RolegateError('role_not_entitled', {
        detail: denial.detail,
        extras: {
          reason: denial.reason,
          maxGrantSeconds: denial.eligibility.policy.maxGrantSeconds,
          approvalsNeeded: denial.eligibility.policy.approvalsNeeded,
          requestCommand: requestCommandFor(denial.account, denial.role, denial.eligibility.policy),
        },
      });
    case 'not_entitled':
    case 'role_misconfigured':
      return new RolegateError('role_not_entitled', { detail: denial.detail, extras: { reason: denial.reason } });
  }
}

/**
 * The `rolegate request` command that asks for this role (the CLI's hint quotes
 * it): the account's alias and the role's name, an hour or the longest grant if
 * shorter, and the reason (and ticket, when the policy wants one) to fill in.
 */
export function requestCommandFor(account: AwsAccount, role: AwsRole, policy: { maxGrantSeconds: number; ticketPattern?: string }): string {
  const word = (text: string) => (/^[\w.@+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`);
  const ticket = policy.ticketPattern === undefined ? '' : ' --ticket "…"';
  return `rolegate request --account ${word(account.alias)} --role ${word(role.name)} --duration ${formatDuration(Math.min(3600, policy.maxGrantSeconds))} --reason "…"${ticket}`;
}
