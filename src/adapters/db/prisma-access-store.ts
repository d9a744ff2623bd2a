import type { AwsAccount, AwsRole, ExchangeMode, GroupMapping, Partition } from '../../domain/access-model.js';
import type { AccessSnapshot, AccessStore } from '../../ports/access-store.js';
import type { Prisma, PrismaClient } from './generated/client.js';

type AccountRow = Prisma.AwsAccountGetPayload<object>;
type RoleRow = Prisma.RoleGetPayload<object>;
type MappingRow = Prisma.GroupMappingGetPayload<{ include: { idp: { select: { slug: true } } } }>;

const withIdpSlug = { idp: { select: { slug: true } } } as const;

/** AccessStore on aws_accounts, roles and group_mappings (IdPs resolved to their slug). */
export class PrismaAccessStore implements AccessStore {
  constructor(private readonly prisma: PrismaClient) {}

  async listAccounts(): Promise<AwsAccount[]> {
    return (await this.prisma.awsAccount.findMany({ orderBy: { alias: 'asc' } })).map(toAccount);
  }

  async listRoles(): Promise<AwsRole[]> {
    return (await this.prisma.role.findMany({ orderBy: [{ accountId: 'asc' }, { name: 'asc' }] })).map(toRole);
  }

  async listMappings(): Promise<GroupMapping[]> {
    return (await this.prisma.groupMapping.findMany({ include: withIdpSlug, orderBy: [{ group: 'asc' }, { id: 'asc' }] })).map(toMapping);
  }

  async mappingsForGroups(groups: readonly string[]): Promise<GroupMapping[]> {
    const rows = await this.prisma.groupMapping.findMany({
      where: { OR: [{ match: 'exact', group: { in: [...new Set(groups)] } }, { match: 'glob' }] },
      include: withIdpSlug,
      orderBy: [{ group: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toMapping);
  }

  async snapshotForGroups(groups: readonly string[]): Promise<AccessSnapshot> {
    // One read with the roles and accounts joined, so the three lists agree.
    const rows = await this.prisma.groupMapping.findMany({
      where: { OR: [{ match: 'exact', group: { in: [...new Set(groups)] } }, { match: 'glob' }] },
      include: { ...withIdpSlug, role: { include: { account: true } } },
      orderBy: [{ group: 'asc' }, { id: 'asc' }],
    });
    const roles = new Map(rows.map((row) => [row.role.id, row.role]));
    const accounts = new Map(rows.map((row) => [row.role.account.id, row.role.account]));
    return {
      accounts: [...accounts.values()].map(toAccount),
      roles: [...roles.values()].map(toRole),
      mappings: rows.map(toMapping),
    };
  }

  async catalogFor(account: string, role: string): Promise<{ accounts: AwsAccount[]; roles: AwsRole[] }> {
    const accountRow = await this.prisma.awsAccount.findFirst({
      where: { OR: [{ id: account }, { alias: account }] },
      orderBy: { id: 'asc' },
    });
    if (!accountRow) return { accounts: [], roles: [] };
    const roles = await this.prisma.role.findMany({
      where: { accountId: accountRow.id, OR: [{ arn: role }, { name: { equals: role, mode: 'insensitive' } }] },
      orderBy: { name: 'asc' },
    });
    return { accounts: [toAccount(accountRow)], roles: roles.map(toRole) };
  }

  async findRole(account: string, roleName: string): Promise<{ account: AwsAccount; role: AwsRole } | undefined> {
    const accountRow = await this.prisma.awsAccount.findFirst({
      where: { OR: [{ id: account }, { alias: account }] },
      orderBy: { id: 'asc' },
    });
    if (!accountRow) return undefined;
    const roleRow =
      (await this.prisma.role.findFirst({ where: { accountId: accountRow.id, name: roleName } })) ??
      (await this.prisma.role.findFirst({ where: { accountId: accountRow.id, name: { equals: roleName, mode: 'insensitive' } } }));
    return roleRow ? { account: toAccount(accountRow), role: toRole(roleRow) } : undefined;
  }
}

function toAccount(row: AccountRow): AwsAccount {
  return {
    id: row.id,
    alias: row.alias,
    partition: row.partition.replaceAll('_', '-') as Partition,
    region: row.region,
    ...(row.stsEndpoint === null ? {} : { stsEndpoint: row.stsEndpoint }),
  };
}

function toRole(row: RoleRow): AwsRole {
  return {
    id: row.id,
    accountId: row.accountId,
    name: row.name,
    arn: row.arn,
    exchangeMode: row.exchangeMode.replaceAll('_', '-') as ExchangeMode,
    ...(row.providerArn === null ? {} : { providerArn: row.providerArn }),
    maxSessionSeconds: row.maxSessionSeconds,
    description: row.description,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
  };
}

function toMapping(row: MappingRow): GroupMapping {
  return {
    id: row.id,
    ...(row.idp === null ? {} : { idp: row.idp.slug }),
    group: row.group,
    match: row.match,
    roleId: row.roleId,
    requireMfa: row.requireMfa,
    ...(row.maxSessionSeconds === null ? {} : { maxSessionSeconds: row.maxSessionSeconds }),
    allowedCidrs: [...row.allowedCidrs],
    breakGlass: row.breakGlass,
  };
}
