import type { AwsAccount, AwsRole, GroupMapping } from '../domain/access-model.js';

/** What `entitlementsFor` needs for one user, read together. */
export interface AccessSnapshot {
  accounts: AwsAccount[];
  roles: AwsRole[];
  mappings: GroupMapping[];
}

/**
 * Read access to the access model (AWS accounts, roles, group → role
 * mappings) in the shapes the domain decides with. Mappings name their IdP by
 * slug (`GroupMapping.idp`), as principals do.
 */
export interface AccessStore {
  listAccounts(): Promise<AwsAccount[]>;
  listRoles(): Promise<AwsRole[]>;
  listMappings(): Promise<GroupMapping[]>;
  /**
   * Mappings that may apply to someone with these groups: exact mappings
   * whose group is one of `groups`, and every glob mapping (matched by the
   * domain). Mappings of every IdP are returned, so the domain can explain an
   * `idp_mismatch` rather than stay silent.
   */
  mappingsForGroups(groups: readonly string[]): Promise<GroupMapping[]>;
  /** The mappings for these groups with the roles they name and those roles' accounts. */
  snapshotForGroups(groups: readonly string[]): Promise<AccessSnapshot>;
  /**
   * What `checkRoleRequest` needs to tell "no such account/role" from "not
   * yours": the account named by id or alias (if any) and its roles named
   * `role` (a name, any case, or an ARN).
   */
  catalogFor(account: string, role: string): Promise<{ accounts: AwsAccount[]; roles: AwsRole[] }>;
  /** A role by account (12-digit id or alias) and role name (exact, then case-insensitive as IAM does). */
  findRole(account: string, roleName: string): Promise<{ account: AwsAccount; role: AwsRole } | undefined>;
}
