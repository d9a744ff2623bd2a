import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../../domain/access-document.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessAdminStore, AccessState, AccessWrite } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { applyWrites, insertAuditEvents, type Sql } from './access-bulk-writes.js';
import { Prisma, type PrismaClient } from './generated/client.js';
import { reportingFailuresAs } from '../dependency-failures.js';

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
    return readState(this.prisma);
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

/**
 * The whole model in four plain statements (mappings joined to their role's
 * ARN and IdP's slug in SQL): through Prisma's model queries the reads of a
 * 20,000-role model took several times longer. Orders as before: IdPs by
 * slug, accounts by id, roles by ARN, mappings by group then id.
 */
async function readState(db: Tx | PrismaClient): Promise<AccessState> {
  const [idps, accounts, roles, mappings] = await Promise.all([
    db.$queryRawUnsafe<IdpRow[]>(
      `SELECT id::text AS id, version, slug, display_name, kind::text AS kind, enabled, groups_from, settings FROM identity_providers ORDER BY slug`,
    ),
    db.$queryRawUnsafe<AccountRow[]>(
      `SELECT id, version, alias, partition::text AS partition, region, sts_endpoint FROM aws_accounts ORDER BY id`,
    ),
    db.$queryRawUnsafe<RoleRow[]>(
      `SELECT id::text AS id, version, arn, exchange_mode::text AS mode, provider_arn, external_id, max_session_seconds, description FROM roles ORDER BY arn`,
    ),
    db.$queryRawUnsafe<MappingRow[]>(
      `SELECT m.id::text AS id, m.version, m."group", m.match::text AS match, i.slug AS idp, r.arn AS role, m.require_mfa,
              m.max_session_seconds, m.allowed_cidrs, m.break_glass, m.access::text AS access, m.approval
       FROM group_mappings m JOIN roles r ON r.id = m.role_id LEFT JOIN identity_providers i ON i.id = m.idp_id
       ORDER BY m."group", m.id`,
    ),
  ]);
  return {
    identityProviders: idps.map((row) => ({
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
    })),
    accounts: accounts.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        id: row.id,
        alias: row.alias,
        partition: row.partition,
        region: row.region,
        ...(row.sts_endpoint === null ? {} : { stsEndpoint: row.sts_endpoint }),
      } satisfies AccountEntry,
    })),
    roles: roles.map((row) => ({
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
    })),
    mappings: mappings.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        group: row.group,
        match: row.match,
        ...(row.idp === null ? {} : { idp: row.idp }),
        role: row.role,
        requireMfa: row.require_mfa,
        ...(row.max_session_seconds === null ? {} : { maxSessionSeconds: row.max_session_seconds }),
        allowedCidrs: [...(row.allowed_cidrs ?? [])],
        breakGlass: row.break_glass,
        access: row.access,
        ...(row.approval === null ? {} : { approval: row.approval }),
      } satisfies MappingEntry,
    })),
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
  max_session_seconds: number | null;
  allowed_cidrs: string[] | null;
  break_glass: boolean;
  access: MappingEntry['access'];
  approval: MappingEntry['approval'] | null;
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
