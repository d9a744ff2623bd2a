import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../../domain/access-document.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessAdminStore, AccessState, AccessWrite } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { applyWrites, insertAuditEvents, type Sql } from './access-bulk-writes.js';
import { Prisma, type PrismaClient } from './generated/client.js';

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

async function readState(db: Tx | PrismaClient): Promise<AccessState> {
  const [idps, accounts, roles, mappings] = await Promise.all([
    db.identityProvider.findMany({ orderBy: { slug: 'asc' } }),
    db.awsAccount.findMany({ orderBy: { id: 'asc' } }),
    db.role.findMany({ orderBy: { arn: 'asc' } }),
    db.groupMapping.findMany({
      include: { idp: { select: { slug: true } }, role: { select: { arn: true } } },
      orderBy: [{ group: 'asc' }, { id: 'asc' }],
    }),
  ]);
  return {
    identityProviders: idps.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        slug: row.slug,
        displayName: row.displayName,
        kind: row.kind,
        enabled: row.enabled,
        groupsFrom: row.groupsFrom,
        settings: (row.settings ?? {}) as Record<string, unknown>,
      } satisfies IdentityProviderEntry,
    })),
    accounts: accounts.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        id: row.id,
        alias: row.alias,
        partition: row.partition.replaceAll('_', '-') as AccountEntry['partition'],
        region: row.region,
        ...(row.stsEndpoint === null ? {} : { stsEndpoint: row.stsEndpoint }),
      } satisfies AccountEntry,
    })),
    roles: roles.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        arn: row.arn,
        mode: row.exchangeMode.replaceAll('_', '-') as RoleEntry['mode'],
        ...(row.providerArn === null ? {} : { providerArn: row.providerArn }),
        ...(row.externalId === null ? {} : { externalId: row.externalId }),
        maxSessionSeconds: row.maxSessionSeconds,
        description: row.description,
      } satisfies RoleEntry,
    })),
    mappings: mappings.map((row) => ({
      id: row.id,
      version: row.version,
      entry: {
        group: row.group,
        match: row.match,
        ...(row.idp === null ? {} : { idp: row.idp.slug }),
        role: row.role.arn,
        requireMfa: row.requireMfa,
        ...(row.maxSessionSeconds === null ? {} : { maxSessionSeconds: row.maxSessionSeconds }),
        allowedCidrs: [...row.allowedCidrs],
        breakGlass: row.breakGlass,
      } satisfies MappingEntry,
    })),
  };
}

/**
 * Database constraint failures become conflicts the caller can act on (from
 * Prisma's own queries, P2002/P2003, and from raw statements, P2010 carrying
 * the SQLSTATE); an expired transaction (P2028) says which setting bounds it.
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
  if (error.code === 'P2028') {
    return new RolegateError('dependency_unavailable', {
      detail: `The change took longer than admin.applyTimeoutMs (ROLEGATE_ACCESS_APPLY_TIMEOUT_MS, ${String(timeoutMs)} ms) and was rolled back: nothing changed`,
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
  return error;
}
