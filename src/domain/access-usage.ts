import type { MappingUsage, SurfaceCounts, UsageReport, UserUsage } from '../contracts/access-reviews.js';
import type { MappingEntry } from './access-document.js';
import { mappingKey } from './access-document.js';
import { parseRoleArn } from './arn.js';
import { globMatch } from './glob-match.js';
import type { HolderRow, RoleUseRow } from '../ports/usage-query.js';

/** The IdP slug of a principal id (`<idp>:<subject>`). */
export function idpOfPrincipal(principalId: string): string {
  const colon = principalId.indexOf(':');
  return colon < 0 ? '' : principalId.slice(0, colon);
}

/** Whether a user with these groups (from this IdP) is entitled by the mapping: its group (exact or glob) and its IdP, if it names one. */
export function mappingCovers(
  mapping: Pick<MappingEntry, 'group' | 'match' | 'idp'>,
  principalId: string,
  groups: readonly string[],
): boolean {
  if (mapping.idp !== undefined && mapping.idp !== idpOfPrincipal(principalId)) return false;
  return mapping.match === 'glob' ? groups.some((g) => globMatch(mapping.group, g)) : groups.includes(mapping.group);
}

export function noSurfaces(): SurfaceCounts {
  return { api: 0, cli: 0, portal: 0, console: 0 };
}

interface Tally {
  uses: number;
  last: Date | undefined;
  surfaces: SurfaceCounts;
}

function tally(): Tally {
  return { uses: 0, last: undefined, surfaces: noSurfaces() };
}

/** Adds one grouped row: a console sign-in counts once, as console (its credentials row shares its user agent). */
function add(t: Tally, row: RoleUseRow): void {
  t.uses += row.issued;
  t.surfaces.console += row.consoles;
  t.surfaces[row.client] += Math.max(0, row.issued - row.consoles);
  if (t.last === undefined || row.lastAt > t.last) t.last = row.lastAt;
}

const accountOf = (arn: string) => {
  const parsed = parseRoleArn(arn);
  return parsed.ok ? parsed.value.accountId : '';
};

/**
 * The usage report (docs/admin.md#access-reviews), pure: per mapping and per
 * user, how often and when a role was last taken and through which surface;
 * mappings nobody used; holders who never took a role; standing mappings used
 * only a few times (just-in-time candidates). A use counts toward every
 * mapping of its role that covered the user's groups at the time.
 */
export function usageReport(input: {
  mappings: readonly MappingEntry[];
  uses: readonly RoleUseRow[];
  holders: readonly HolderRow[];
  since: Date;
  days: number;
  fewUses: number;
}): UsageReport {
  const byRole = new Map<string, RoleUseRow[]>();
  for (const row of input.uses) byRole.set(row.roleArn, [...(byRole.get(row.roleArn) ?? []), row]);

  const userTallies = new Map<string, { user: string; roleArn: string; t: Tally }>();
  for (const row of input.uses) {
    const id = `${row.subject}\n${row.roleArn}`;
    const entry = userTallies.get(id) ?? { user: row.subject, roleArn: row.roleArn, t: tally() };
    add(entry.t, row);
    userTallies.set(id, entry);
  }

  const mappings: MappingUsage[] = input.mappings.map((m) => {
    const t = tally();
    const takers = new Set<string>();
    for (const row of byRole.get(m.role) ?? []) {
      if (!mappingCovers(m, row.subject, row.groups)) continue;
      add(t, row);
      takers.add(row.subject);
    }
    const holders = input.holders.filter((h) => mappingCovers(m, h.subject, h.groups));
    return {
      key: mappingKey(m),
      group: m.group,
      match: m.match,
      ...(m.idp === undefined ? {} : { idp: m.idp }),
      access: m.access,
      accountId: accountOf(m.role),
      roleArn: m.role,
      uses: t.uses,
      lastUsedAt: t.last?.toISOString() ?? null,
      surfaces: t.surfaces,
      holders: holders.length,
      usersWhoTookIt: holders.filter((h) => takers.has(h.subject)).length,
    };
  });

  const standing = input.mappings.filter((m) => m.access === 'standing');
  const holdsNow = (user: string, groups: readonly string[], roleArn: string) =>
    standing.filter((m) => m.role === roleArn && mappingCovers(m, user, groups));
  const holderGroups = new Map(input.holders.map((h) => [h.subject, h.groups]));

  const users: UserUsage[] = [...userTallies.values()].map(({ user, roleArn, t }) => ({
    user,
    accountId: accountOf(roleArn),
    roleArn,
    uses: t.uses,
    lastUsedAt: t.last?.toISOString() ?? null,
    surfaces: t.surfaces,
    holds: holdsNow(user, holderGroups.get(user) ?? [], roleArn).length > 0,
  }));
  users.sort((a, b) => a.user.localeCompare(b.user) || a.roleArn.localeCompare(b.roleArn));

  const neverTaken: UsageReport['neverTaken'] = [];
  const roles = [...new Set(standing.map((m) => m.role))].sort();
  for (const holder of input.holders) {
    for (const roleArn of roles) {
      const via = holdsNow(holder.subject, holder.groups, roleArn);
      if (via.length === 0 || userTallies.has(`${holder.subject}\n${roleArn}`)) continue;
      neverTaken.push({ user: holder.subject, accountId: accountOf(roleArn), roleArn, via: via.map((m) => m.group) });
    }
  }
  neverTaken.sort((a, b) => a.user.localeCompare(b.user) || a.roleArn.localeCompare(b.roleArn));

  return {
    since: input.since.toISOString(),
    days: input.days,
    fewUses: input.fewUses,
    mappings,
    users,
    unusedMappings: mappings.filter((m) => m.uses === 0).map((m) => m.key),
    neverTaken,
    justInTimeCandidates: mappings
      .filter((m) => m.access === 'standing' && m.uses > 0 && m.uses <= input.fewUses)
      .map((m) => ({ key: m.key, roleArn: m.roleArn, uses: m.uses, lastUsedAt: m.lastUsedAt })),
  };
}
