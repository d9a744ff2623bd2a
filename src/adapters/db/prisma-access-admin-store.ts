import { parseRoleArn } from '../../domain/arn.js';
import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../../domain/access-document.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessAdminStore, AccessState, AccessWrite } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { auditRowOf } from './audit-row.js';
import { Prisma, type PrismaClient } from './generated/client.js';

type Tx = Prisma.TransactionClient;

/** Serialises admin writes across instances (pg_advisory_xact_lock, released at commit or rollback). */
const ADMIN_LOCK = 7_342_001;

/** AccessAdminStore on identity_providers, aws_accounts, roles, group_mappings and audit_events. */
export class PrismaAccessAdminStore implements AccessAdminStore {
  constructor(private readonly prisma: PrismaClient) {}

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
          return work(state, async (writes, audit) => {
            for (const write of writes) await applyWrite(tx, write);
            if (audit.length > 0) await tx.auditEvent.createMany({ data: audit.map(auditRow) });
          });
        },
        { timeout: 30_000, maxWait: 10_000 },
      );
    } catch (error) {
      throw translate(error);
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

async function applyWrite(tx: Tx, write: AccessWrite): Promise<void> {
  if (write.action === 'remove') {
    const where = { id: write.id, version: write.version };
    const { count } =
      write.kind === 'identityProvider'
        ? await tx.identityProvider.deleteMany({ where })
        : write.kind === 'account'
          ? await tx.awsAccount.deleteMany({ where })
          : write.kind === 'role'
            ? await tx.role.deleteMany({ where })
            : await tx.groupMapping.deleteMany({ where });
    if (count === 0) throw stale(write.kind, write.id);
    return;
  }
  const data = await rowData(tx, write.kind, write.entry);
  if (write.action === 'add') {
    if (write.kind === 'identityProvider') await tx.identityProvider.create({ data: data as Prisma.IdentityProviderUncheckedCreateInput });
    else if (write.kind === 'account') await tx.awsAccount.create({ data: data as Prisma.AwsAccountUncheckedCreateInput });
    else if (write.kind === 'role') await tx.role.create({ data: data as Prisma.RoleUncheckedCreateInput });
    else await tx.groupMapping.create({ data: data as Prisma.GroupMappingUncheckedCreateInput });
    return;
  }
  const where = { id: write.id, version: write.version };
  const update = { ...data, version: { increment: 1 } };
  const { count } =
    write.kind === 'identityProvider'
      ? await tx.identityProvider.updateMany({ where, data: update })
      : write.kind === 'account'
        ? await tx.awsAccount.updateMany({ where, data: update })
        : write.kind === 'role'
          ? await tx.role.updateMany({ where, data: update })
          : await tx.groupMapping.updateMany({ where, data: update });
  if (count === 0) throw stale(write.kind, write.id);
}

/** Document fields → columns; references (role ARN, IdP slug) resolved to ids inside the transaction. */
async function rowData(tx: Tx, kind: AccessWrite['kind'], entry: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (kind === 'identityProvider') {
    const e = entry as IdentityProviderEntry;
    return {
      slug: e.slug,
      displayName: e.displayName,
      kind: e.kind,
      enabled: e.enabled,
      groupsFrom: e.groupsFrom,
      settings: e.settings,
    };
  }
  if (kind === 'account') {
    const e = entry as AccountEntry;
    return { id: e.id, alias: e.alias, partition: e.partition.replaceAll('-', '_'), region: e.region, stsEndpoint: e.stsEndpoint ?? null };
  }
  if (kind === 'role') {
    const e = entry as RoleEntry;
    const arn = parseRoleArn(e.arn);
    if (!arn.ok) throw new RolegateError('invalid_request', { detail: arn.error });
    return {
      accountId: arn.value.accountId,
      name: arn.value.name,
      arn: e.arn,
      exchangeMode: e.mode.replaceAll('-', '_'),
      providerArn: e.providerArn ?? null,
      externalId: e.externalId ?? null,
      maxSessionSeconds: e.maxSessionSeconds,
      description: e.description,
    };
  }
  const e = entry as MappingEntry;
  const role = await tx.role.findUnique({ where: { arn: e.role }, select: { id: true } });
  if (!role) throw new RolegateError('conflict', { detail: `no role ${e.role}: create the role first` });
  let idpId: string | null = null;
  if (e.idp !== undefined) {
    const idp = await tx.identityProvider.findUnique({ where: { slug: e.idp }, select: { id: true } });
    if (!idp) throw new RolegateError('conflict', { detail: `no identity provider ${e.idp}` });
    idpId = idp.id;
  }
  return {
    group: e.group,
    match: e.match,
    roleId: role.id,
    idpId,
    requireMfa: e.requireMfa,
    maxSessionSeconds: e.maxSessionSeconds ?? null,
    allowedCidrs: e.allowedCidrs,
    breakGlass: e.breakGlass,
  };
}

function stale(kind: string, id: string): RolegateError {
  return new RolegateError('precondition_failed', {
    detail: `The ${kind} ${id} was changed or deleted since it was read; read it again and retry`,
  });
}

function auditRow(event: AuditEvent): Prisma.AuditEventCreateManyInput {
  const { details, ...row } = auditRowOf(event);
  return { ...row, ...(details === null ? {} : { details: details as Prisma.InputJsonObject }) };
}

/** Database constraint failures become conflicts the caller can act on. */
function translate(error: unknown): unknown {
  if (error instanceof RolegateError) return error;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') {
      const target = JSON.stringify(error.meta?.target ?? error.meta?.modelName ?? '');
      return new RolegateError('conflict', { detail: `Another object already has this unique value (${target})`, cause: error });
    }
    if (error.code === 'P2003' || error.code === 'P2014')
      return new RolegateError('conflict', { detail: 'The object is still referenced (delete its roles or mappings first)', cause: error });
  }
  return error;
}
