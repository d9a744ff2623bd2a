import type { UsageQueryParams, UsageReport } from '../../contracts/access-reviews.js';
import type { AccessDocument, MappingEntry } from '../../domain/access-document.js';
import { usageReport } from '../../domain/access-usage.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessAdminStore } from '../../ports/access-admin-store.js';
import type { Clock } from '../../ports/clock.js';
import type { UsageQuery } from '../../ports/usage-query.js';

/** What the usage report and review campaigns need (wired in src/composition/access-reviews.ts). */
export interface UsageDeps {
  store: Pick<AccessAdminStore, 'read'>;
  usage: UsageQuery;
  clock: Clock;
}

const DAY_MS = 86_400_000;

/** The accounts, roles and mappings as the access file has them (the stored model). */
export async function accessDocumentOf(store: Pick<AccessAdminStore, 'read'>): Promise<AccessDocument> {
  const state = await store.read();
  return {
    version: 1,
    accounts: state.accounts.map((a) => a.entry),
    roles: state.roles.map((r) => r.entry),
    mappings: state.mappings.map((m) => m.entry),
  };
}

/** The mappings of one account (id or alias) and/or one role (ARN or name): 404 for an account or role that does not exist. */
export function mappingsIn(doc: AccessDocument, filter: { account?: string; role?: string }): MappingEntry[] {
  let roles = doc.roles.map((r) => r.arn);
  if (filter.account !== undefined) {
    const account = doc.accounts.find((a) => a.id === filter.account || a.alias === filter.account);
    if (!account) throw new RolegateError('not_found', { detail: `No account ${filter.account}` });
    roles = roles.filter((arn) => arn.split(':')[4] === account.id);
  }
  if (filter.role !== undefined) {
    const role = filter.role;
    roles = roles.filter((arn) => arn === role || arn.endsWith(`/${role}`));
    if (roles.length === 0)
      throw new RolegateError('not_found', { detail: `No role ${role}${filter.account ? ` in account ${filter.account}` : ''}` });
  }
  const wanted = new Set(roles);
  return doc.mappings.filter((m) => wanted.has(m.role));
}

/** GET /api/v1/admin/usage: who took which role, how often, where, in the last `days` days. */
export async function reportUsage(deps: UsageDeps, params: UsageQueryParams): Promise<UsageReport> {
  const doc = await accessDocumentOf(deps.store);
  const mappings = mappingsIn(doc, params);
  const since = new Date(deps.clock.now() - params.days * DAY_MS);
  const roleArns = [...new Set(mappings.map((m) => m.role))];
  const [uses, holders] = await Promise.all([deps.usage.uses(roleArns, since), deps.usage.holders(since)]);
  return usageReport({ mappings, uses, holders, since, days: params.days, fewUses: params.fewUses });
}
