import { createHash } from 'node:crypto';
import type { DevstackConfig, OrganizationConfig } from '../config/devstack-config-schema.js';

export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';

export interface OrgAccount {
  id: string;
  arn: string;
  name: string;
  email: string;
  state: AccountState;
  parentId: string;
  joinedTimestamp: Date;
}

export interface OrgUnit {
  id: string;
  arn: string;
  name: string;
  parentId: string;
}

/** Lowercase letters and digits derived from a seed, so ids stay stable across restarts. */
function idPart(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(digest[i] ?? 0) % alphabet.length] ?? 'a';
  return out;
}

/**
 * The devstack's AWS Organization, built once from the `organization` section:
 * one root, the OUs named by the accounts' paths, and the accounts (listed ones
 * first, then the generated ones, then the management account if not listed).
 * Ids and ARNs have AWS's shapes (Organizations API reference, "Organization",
 * "Root", "OrganizationalUnit", "Account").
 */
export class Organization {
  readonly id: string;
  readonly arn: string;
  readonly managementAccountId: string;
  readonly managementAccountEmail: string;
  readonly readerRoles: ReadonlySet<string>;
  readonly root: { id: string; arn: string; name: 'Root' };
  readonly accounts: readonly OrgAccount[];
  private readonly accountsById = new Map<string, OrgAccount>();
  private readonly units = new Map<string, OrgUnit>();
  private readonly unitsByPath = new Map<string, OrgUnit>();

  private constructor(config: OrganizationConfig, managementName: string) {
    const mgmt = config.managementAccount;
    this.id = `o-${idPart(`org:${mgmt}`, 10)}`;
    this.managementAccountId = mgmt;
    this.arn = `arn:aws:organizations::${mgmt}:organization/${this.id}`;
    const rootId = `r-${idPart(`root:${mgmt}`, 4)}`;
    this.root = { id: rootId, arn: `arn:aws:organizations::${mgmt}:root/${this.id}/${rootId}`, name: 'Root' };
    this.readerRoles = new Set(config.readerRoles);

    const listed = config.accounts.map((a) => ({ ...a }));
    const generated = config.generated;
    if (generated) {
      const first = BigInt(generated.firstId);
      for (let i = 0; i < generated.count; i++) {
        const n = String(i + 1).padStart(4, '0');
        listed.push({
          id: String(first + BigInt(i)).padStart(12, '0'),
          name: `${generated.namePrefix}-${n}`,
          email: `aws+${generated.namePrefix}-${n}@example.com`,
          ou: generated.ou,
          state: 'ACTIVE',
        });
      }
    }
    if (!listed.some((a) => a.id === mgmt))
      listed.unshift({ id: mgmt, name: managementName, email: `aws+management@example.com`, ou: '/', state: 'ACTIVE' });
    this.managementAccountEmail = listed.find((a) => a.id === mgmt)?.email ?? '';

    const joined = new Date('2024-01-15T09:00:00Z');
    this.accounts = listed.map((entry, i) => {
      const account: OrgAccount = {
        id: entry.id,
        arn: `arn:aws:organizations::${mgmt}:account/${this.id}/${entry.id}`,
        name: entry.name,
        email: entry.email,
        state: entry.state,
        parentId: this.unitFor(entry.ou),
        joinedTimestamp: new Date(joined.getTime() + i * 60_000),
      };
      this.accountsById.set(account.id, account);
      return account;
    });
  }

  static fromConfig(config: DevstackConfig): Organization | undefined {
    if (!config.organization) return undefined;
    const mgmt = config.accounts.find((a) => a.id === config.organization?.managementAccount);
    return new Organization(config.organization, mgmt?.alias ?? 'management');
  }

  account(id: string): OrgAccount | undefined {
    return this.accountsById.get(id);
  }

  unit(id: string): OrgUnit | undefined {
    return this.units.get(id);
  }

  /** The OUs directly under a root or OU, in the order they were created. */
  unitsUnder(parentId: string): OrgUnit[] {
    return [...this.units.values()].filter((u) => u.parentId === parentId);
  }

  /** The parent (root or OU) of an account or OU id; undefined if the child is unknown. */
  parentOf(childId: string): { id: string; type: 'ROOT' | 'ORGANIZATIONAL_UNIT' } | undefined {
    const parentId = this.accountsById.get(childId)?.parentId ?? this.units.get(childId)?.parentId;
    if (parentId === undefined) return undefined;
    return { id: parentId, type: parentId === this.root.id ? 'ROOT' : 'ORGANIZATIONAL_UNIT' };
  }

  /** The id of the OU at the path, creating it (and its ancestors) the first time. */
  private unitFor(path: string): string {
    let parentId = this.root.id;
    let sofar = '';
    for (const name of path.split('/').filter((part) => part !== '')) {
      sofar += `/${name}`;
      let unit = this.unitsByPath.get(sofar);
      if (!unit) {
        const id = `ou-${this.root.id.slice(2)}-${idPart(`ou:${sofar}`, 8)}`;
        unit = { id, arn: `arn:aws:organizations::${this.managementAccountId}:ou/${this.id}/${id}`, name, parentId };
        this.unitsByPath.set(sofar, unit);
        this.units.set(id, unit);
      }
      parentId = unit.id;
    }
    return parentId;
  }
}
