import type { AwsAccount, AwsRole } from './access-model.js';
import { RolegateError } from './errors.js';
import { describeFailure, type Entitlements, type RoleDenial, type RoleEntitlement } from './entitlements.js';

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
  | { reason: 'justification_required'; detail: string; entitlement: RoleEntitlement };

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
  if (account === undefined) return { ok: false, reason: 'unknown_account', detail: `There is no AWS account "${request.account}"` };
  const inAccount = catalog.roles.filter((r) => r.accountId === account.id);
  const role =
    inAccount.find((r) => r.name === request.role || r.arn === request.role) ??
    inAccount.find((r) => r.name.toLowerCase() === request.role.toLowerCase());
  if (role === undefined) {
    return { ok: false, reason: 'unknown_role', detail: `There is no role "${request.role}" in account ${account.alias} (${account.id})` };
  }
  const bucket = entitlements.accounts.find((a) => a.account.id === account.id);
  const entitlement = bucket?.entitled.find((e) => e.role.id === role.id);
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
  const denial = bucket?.denied.find((d) => d.role.id === role.id);
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
    case 'condition_failed':
      return new RolegateError('role_not_entitled', {
        detail: denial.detail,
        extras: {
          reason: denial.reason,
          conditions: [...new Set(denial.denial.mappings.flatMap((m) => m.failures.map((f) => f.condition)))],
        },
      });
    case 'not_entitled':
    case 'role_misconfigured':
      return new RolegateError('role_not_entitled', { detail: denial.detail, extras: { reason: denial.reason } });
  }
}
