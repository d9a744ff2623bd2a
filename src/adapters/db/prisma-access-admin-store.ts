import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../../domain/access-document.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessAdminStore, AccessState, AccessWrite, ObjectKind, Stored } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { applyWrites, insertAuditEvents, type Sql } from './access-bulk-writes.js';
import { Prisma, type PrismaClient } from './generated/client.js';
import { reportingFailuresAs } from '../dependency-failures.js';
import { keysetPages, PAGE_ROWS, type RawQuery } from './keyset-pages.js';

type Tx = Prisma.TransactionClient;

/** Serialises admin writes across instances (pg_advisory_xact_lock, released at commit or rollback). */
const ADMIN_LOCK = 7_342_001;

/** The default of `admin.applyTimeoutMs`. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 300_000;

export interface AccessAdminStoreOptions {
  /**
   * How long one admin transaction may run before it is rolled back
   * (`admin.applyTimeoutMs`): applying a whole large access file is one
   * transaction, so this is not a small fixed cap.
   */
  transactionTimeoutMs?: number;
}

/**
 * AccessAdminStore on identity_providers, aws_accounts, roles, group_mappings
 * and audit_events. Writes are set-based (access-bulk-writes.ts): a whole
 * access file is a few statements, not one round trip per object.
 */
export class PrismaAccessAdminStore implements AccessAdminStore {
  readonly #timeoutMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: AccessAdminStoreOptions = {},
  ) {
    this.#timeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    return reportingFailuresAs(this, 'The database');
  }

  read(): Promise<AccessState> {
    // Read in pages: one snapshot for all of them, so an apply committing meanwhile is seen whole or not at all.
    return this.prisma.$transaction((tx) => readState(tx), {
      isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead,
      timeout: this.#timeoutMs,
      maxWait: 10_000,
    });
  }

  readObject(kind: ObjectKind, id: string): Promise<Stored<Record<string, unknown>> | undefined> {
    return readOne(this.prisma, kind, id);
  }

  async transaction<T>(
    work: (state: AccessState, write: (writes: AccessWrite[], audit: AuditEvent[]) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          // The server's limit for this transaction's statements is the apply's own budget, not a request's.
          await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${String(Math.ceil(this.#timeoutMs))}`);
          await tx.$queryRawUnsafe(`SELECT 1 AS locked FROM pg_advisory_xact_lock(${String(ADMIN_LOCK)})`);
          const state = await readState(tx);
          const sql: Sql = (text, ...params) => tx.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params);
          return work(state, async (writes, audit) => {
            await applyWrites(sql, writes);
            await insertAuditEvents(sql, audit);
          });
        },
        { timeout: this.#timeoutMs, maxWait: 10_000 },
      );
    } catch (error) {
      throw translate(error, this.#timeoutMs);
    }
  }
}

const IDP_COLUMNS = `id::text AS id, version, slug, display_name, kind::text AS kind, enabled, groups_from, settings`;
const ACCOUNT_COLUMNS = `id, version, alias, partition::text AS partition, region, sts_endpoint, tags, owners, revoker_role_arn, revoker_external_id`;
const ROLE_COLUMNS = `id::text AS id, version, arn, exchange_mode::text AS mode, provider_arn, external_id, max_session_seconds, description`;
const MAPPING_SELECT = `SELECT m.id::text AS id, m.version, m."group", m.match::text AS match, i.slug AS idp, r.arn AS role, m.require_mfa, m.mfa_max_age_seconds,
              m.max_session_seconds, m.allowed_cidrs, m.break_glass, m.access::text AS access, m.approval,
              m.session_policy, m.session_policy_arns, m.session_policy_description
       FROM group_mappings m JOIN roles r ON r.id = m.role_id LEFT JOIN identity_providers i ON i.id = m.idp_id`;

/**
 * The whole model in four plain statements (mappings joined to their role's
 * ARN and IdP's slug in SQL): through Prisma's model queries the reads of a
 * 20,000-role model took several times longer. Roles and mappings in pages
 * (keyset-pages.ts), inside a transaction so that the pages are one snapshot.
 * Orders as before: IdPs by slug, accounts by id, roles by ARN, mappings by
 * group then id.
 */
async function readState(db: Tx): Promise<AccessState> {
  const query: RawQuery = (text, ...params) => db.$queryRawUnsafe(text, ...params);
  const [idps, accounts, roles, mappings] = await Promise.all([
    db.$queryRawUnsafe<IdpRow[]>(`SELECT ${IDP_COLUMNS} FROM identity_providers ORDER BY slug`),
    db.$queryRawUnsafe<AccountRow[]>(`SELECT ${ACCOUNT_COLUMNS} FROM aws_accounts ORDER BY id`),
    keysetPages<RoleRow>(
      query,
      (after) => `SELECT ${ROLE_COLUMNS} FROM roles ${after ? 'WHERE arn > $1' : ''} ORDER BY arn LIMIT ${String(PAGE_ROWS)}`,
      (row) => [row.arn],
    ),
    keysetPages<MappingRow>(
      query,
      (after) =>
        `${MAPPING_SELECT} ${after ? 'WHERE (m."group", m.id) > ($1, $2::uuid)' : ''} ORDER BY m."group", m.id LIMIT ${String(PAGE_ROWS)}`,
      (row) => [row.group, row.id],
    ),
  ]);
  return {
    identityProviders: idps.map(storedIdp),
    accounts: accounts.map(storedAccount),
    roles: roles.map(storedRole),
    mappings: mappings.map(storedMapping),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One account, role or mapping by id, as readState shows it; undefined when there is none (an id that cannot be one included). */
async function readOne(db: PrismaClient, kind: ObjectKind, id: string): Promise<Stored<Record<string, unknown>> | undefined> {
  if (kind === 'account')
    return (await db.$queryRawUnsafe<AccountRow[]>(`SELECT ${ACCOUNT_COLUMNS} FROM aws_accounts WHERE id = $1`, id)).map(storedAccount)[0];
  if (!UUID.test(id)) return undefined;
  if (kind === 'role')
    return (await db.$queryRawUnsafe<RoleRow[]>(`SELECT ${ROLE_COLUMNS} FROM roles WHERE id = $1::uuid`, id)).map(storedRole)[0];
  return (await db.$queryRawUnsafe<MappingRow[]>(`${MAPPING_SELECT} WHERE m.id = $1::uuid`, id)).map(storedMapping)[0];
}

function storedIdp(row: IdpRow): Stored<IdentityProviderEntry> {
  return {
    id: row.id,
    version: row.version,
    entry: {
      slug: row.slug,
      displayName: row.display_name,
      kind: row.kind,
      enabled: row.enabled,
      groupsFrom: row.groups_from,
      settings: row.settings ?? {},
    } satisfies IdentityProviderEntry,
  };
}

function storedAccount(row: AccountRow): Stored<AccountEntry> {
  return {
    id: row.id,
    version: row.version,
    entry: {
      id: row.id,
      alias: row.alias,
      partition: row.partition,
      region: row.region,
      ...(row.sts_endpoint === null ? {} : { stsEndpoint: row.sts_endpoint }),
      ...(row.tags.length === 0 ? {} : { tags: [...row.tags] }),
      ...(row.owners.length === 0 ? {} : { owners: row.owners }),
      ...(row.revoker_role_arn === null ? {} : { revoker: { roleArn: row.revoker_role_arn, externalId: row.revoker_external_id ?? '' } }),
    } satisfies AccountEntry,
  };
}

function storedRole(row: RoleRow): Stored<RoleEntry> {
  return {
    id: row.id,
    version: row.version,
    entry: {
      arn: row.arn,
      mode: row.mode,
      ...(row.provider_arn === null ? {} : { providerArn: row.provider_arn }),
      ...(row.external_id === null ? {} : { externalId: row.external_id }),
      maxSessionSeconds: row.max_session_seconds,
      description: row.description,
    } satisfies RoleEntry,
  };
}

function storedMapping(row: MappingRow): Stored<MappingEntry> {
  return {
    id: row.id,
    version: row.version,
    entry: {
      group: row.group,
      match: row.match,
      ...(row.idp === null ? {} : { idp: row.idp }),
      role: row.role,
      requireMfa: row.require_mfa,
      ...(row.mfa_max_age_seconds === null ? {} : { mfaMaxAgeSeconds: row.mfa_max_age_seconds }),
      ...(row.max_session_seconds === null ? {} : { maxSessionSeconds: row.max_session_seconds }),
      allowedCidrs: [...(row.allowed_cidrs ?? [])],
      breakGlass: row.break_glass,
      access: row.access,
      ...(row.approval === null ? {} : { approval: row.approval }),
      ...(row.session_policy === null ? {} : { sessionPolicy: row.session_policy }),
      ...((row.session_policy_arns ?? []).length === 0 ? {} : { sessionPolicyArns: [...(row.session_policy_arns ?? [])] }),
      ...(row.session_policy_description === null ? {} : { sessionPolicyDescription: row.session_policy_description }),
    } satisfies MappingEntry,
  };
}

interface IdpRow {
  id: string;
  version: number;
  slug: string;
  display_name: string;
  kind: IdentityProviderEntry['kind'];
  enabled: boolean;
  groups_from: string;
  settings: Record<string, unknown> | null;
}
interface AccountRow {
  id: string;
  version: number;
  alias: string;
  partition: AccountEntry['partition'];
  region: string;
  sts_endpoint: string | null;
  tags: string[];
  owners: string[];
  revoker_role_arn: string | null;
  revoker_external_id: string | null;
}
interface RoleRow {
  id: string;
  version: number;
  arn: string;
  mode: RoleEntry['mode'];
  provider_arn: string | null;
  external_id: string | null;
  max_session_seconds: number;
  description: string;
}
interface MappingRow {
  id: string;
  version: number;
  group: string;
  match: MappingEntry['match'];
  idp: string | null;
  role: string;
  require_mfa: boolean;
  mfa_max_age_seconds: number | null;
  max_session_seconds: number | null;
  allowed_cidrs: string[] | null;
  break_glass: boolean;
  access: MappingEntry['access'];
  approval: MappingEntry['approval'] | null;
  session_policy: string | null;
  session_policy_arns: string[] | null;
  session_policy_description: string | null;
}

/**
 * Database constraint failures become conflicts the caller can act on (from
 * Prisma's own queries, P2002/P2003, and from raw statements, P2010 carrying
 * the SQLSTATE); an expired transaction (P2028) or a statement cancelled at
 * its budget (57014) says which setting bounds it.
 */
function translate(error: unknown, timeoutMs: number): unknown {
  if (error instanceof RolegateError) return error;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return error;
  const cause = (
    error.meta?.driverAdapterError as { cause?: { originalCode?: string; constraint?: { fields?: string[]; index?: string } } } | undefined
  )?.cause;
  const sqlState = error.code === 'P2010' ? cause?.originalCode : undefined;
  if (error.code === 'P2002' || sqlState === '23505') {
    const target = JSON.stringify(error.meta?.target ?? cause?.constraint?.fields ?? error.meta?.modelName ?? '');
    return new RolegateError('conflict', { detail: `Another object already has this unique value (${target})`, cause: error });
  }
  if (error.code === 'P2003' || error.code === 'P2014' || sqlState === '23503')
    return new RolegateError('conflict', { detail: 'The object is still referenced (delete its roles or mappings first)', cause: error });
  // 57014: PostgreSQL cancelled a statement at the transaction's statement_timeout, the same budget.
  if (error.code === 'P2028' || sqlState === '57014') {
    return new RolegateError('dependency_unavailable', {
      detail: `The change took longer than admin.applyTimeoutMs (ROLEGATE_ACCESS_APPLY_TIMEOUT_MS, ${String(timeoutMs)} ms) and was rolled back: nothing changed`,
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
  return error;
}
