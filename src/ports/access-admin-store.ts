import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../domain/access-document.js';
import type { AccessKind } from '../domain/access-diff.js';
import type { AuditEvent } from './audit-log.js';

/** A stored object of the access model: its database id, its version (optimistic concurrency) and its fields. */
export interface Stored<E> {
  id: string;
  version: number;
  entry: E;
}

/** The whole access model as administrators edit it. */
export interface AccessState {
  identityProviders: Stored<IdentityProviderEntry>[];
  accounts: Stored<AccountEntry>[];
  roles: Stored<RoleEntry>[];
  mappings: Stored<MappingEntry>[];
}

/** The objects the admin API reads and edits one at a time. */
export type ObjectKind = 'account' | 'role' | 'mapping';

/** One write. `change` and `remove` name the object by id and the version they were decided on. */
export type AccessWrite =
  /** `id`: for a role or mapping, the uuid to store it under (a new one when absent); an account's id is its account id. */
  | { kind: AccessKind; action: 'add'; entry: Record<string, unknown>; id?: string }
  | { kind: AccessKind; action: 'change'; id: string; version: number; entry: Record<string, unknown> }
  | { kind: AccessKind; action: 'remove'; id: string; version: number };

/**
 * Read-write access to accounts, roles, group mappings and IdPs for
 * administration. Writes happen inside `transaction`: one database
 * transaction, serialised with every other admin write, with their audit
 * events written in the same transaction (no change without its record).
 */
export interface AccessAdminStore {
  read(): Promise<AccessState>;
  /** One account, role or mapping by its id, as `read` lists it; undefined when there is none. */
  readObject(kind: ObjectKind, id: string): Promise<Stored<Record<string, unknown>> | undefined>;
  /**
   * Runs `work` in one transaction on the state as of its start. `write`
   * applies writes in the order given; a stale version throws
   * precondition_failed, a broken reference or uniqueness conflict. Any throw
   * rolls back everything.
   */
  transaction<T>(
    work: (state: AccessState, write: (writes: AccessWrite[], audit: AuditEvent[]) => Promise<void>) => Promise<T>,
  ): Promise<T>;
}
