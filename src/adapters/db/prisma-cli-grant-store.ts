import type { Principal } from '../../domain/principal.js';
import type { CliClient, CliGrant, CliGrantStore, NewCliGrant, RefreshTokenRecord } from '../../ports/cli-grant-store.js';
import type { CliGrant as GrantRow, CliToken as TokenRow, Prisma, PrismaClient } from './generated/client.js';

/** CliGrantStore on cli_grants and cli_tokens (refresh tokens only, by sha256). */
export class PrismaCliGrantStore implements CliGrantStore {
  constructor(private readonly prisma: PrismaClient) {}

  async findClient(clientId: string): Promise<CliClient | null> {
    const row = await this.prisma.cliClient.findUnique({ where: { id: clientId } });
    return row ? { id: row.id, name: row.name } : null;
  }

  async createGrant(grant: NewCliGrant, refreshTokenHash: string): Promise<CliGrant> {
    const row = await this.prisma.cliGrant.create({
      data: {
        id: grant.id,
        clientId: grant.clientId,
        principalId: grant.principal.id,
        idp: grant.principal.idp,
        principal: grant.principal as unknown as Prisma.InputJsonValue,
        deviceName: grant.deviceName,
        flow: grant.flow,
        loginSessionId: grant.loginSessionId,
        sourceIp: grant.sourceIp ?? null,
        createdAt: grant.now,
        lastUsedAt: grant.now,
        expiresAt: grant.expiresAt,
        tokens: {
          create: {
            clientId: grant.clientId,
            kind: 'refresh',
            tokenHash: refreshTokenHash,
            subject: grant.principal.id,
            idp: grant.principal.idp,
            expiresAt: grant.expiresAt,
            createdAt: grant.now,
          },
        },
      },
    });
    return toGrant(row);
  }

  async findGrant(grantId: string): Promise<CliGrant | null> {
    if (!isUuid(grantId)) return null;
    const row = await this.prisma.cliGrant.findUnique({ where: { id: grantId } });
    return row ? toGrant(row) : null;
  }

  async findRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRecord; grant: CliGrant } | null> {
    const row = await this.prisma.cliToken.findUnique({ where: { tokenHash }, include: { grant: true } });
    if (row?.kind !== 'refresh') return null;
    return { token: toToken(row), grant: toGrant(row.grant) };
  }

  async rotateRefreshToken(tokenId: string, successorHash: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      // Compare-and-set: of two concurrent rotations of one token, exactly one updates the row.
      const old = await tx.cliToken.findUnique({ where: { id: tokenId } });
      if (!old) return false;
      const claimed = await tx.cliToken.updateMany({
        where: { id: tokenId, rotatedAt: null, revokedAt: null },
        data: { rotatedAt: now, lastUsedAt: now },
      });
      if (claimed.count !== 1) return false;
      const successor = await tx.cliToken.create({
        data: {
          clientId: old.clientId,
          kind: 'refresh',
          tokenHash: successorHash,
          familyId: old.familyId,
          subject: old.subject,
          idp: old.idp,
          expiresAt: old.expiresAt,
          createdAt: now,
        },
      });
      await tx.cliToken.update({ where: { id: tokenId }, data: { replacedById: successor.id } });
      await tx.cliGrant.update({ where: { id: old.familyId }, data: { lastUsedAt: now } });
      return true;
    });
  }

  async revokeGrant(grantId: string, reason: string, now: Date): Promise<boolean> {
    if (!isUuid(grantId)) return false;
    return this.prisma.$transaction(async (tx) => {
      const revoked = await tx.cliGrant.updateMany({
        where: { id: grantId, revokedAt: null },
        data: { revokedAt: now, revokedReason: reason },
      });
      await tx.cliToken.updateMany({ where: { familyId: grantId, revokedAt: null }, data: { revokedAt: now } });
      return revoked.count === 1;
    });
  }

  async revokeGrantsOf(principalId: string, reason: string, now: Date): Promise<string[]> {
    return this.prisma.$transaction(async (tx) => {
      const live = await tx.cliGrant.findMany({ where: { principalId, revokedAt: null, expiresAt: { gt: now } }, select: { id: true } });
      const ids = live.map((g) => g.id);
      if (ids.length === 0) return [];
      await tx.cliGrant.updateMany({ where: { id: { in: ids }, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
      await tx.cliToken.updateMany({ where: { familyId: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
      return ids;
    });
  }

  async listActiveGrants(principalId: string, now: Date): Promise<CliGrant[]> {
    const rows = await this.prisma.cliGrant.findMany({
      where: { principalId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toGrant);
  }

  countActiveGrants(now: Date): Promise<number> {
    return this.prisma.cliGrant.count({ where: { revokedAt: null, expiresAt: { gt: now } } });
  }
}

function toGrant(row: GrantRow): CliGrant {
  return {
    id: row.id,
    clientId: row.clientId,
    principal: row.principal as unknown as Principal,
    deviceName: row.deviceName,
    flow: row.flow === 'device' ? 'device' : 'loopback',
    loginSessionId: row.loginSessionId,
    ...(row.sourceIp ? { sourceIp: row.sourceIp } : {}),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    ...(row.revokedAt ? { revokedAt: row.revokedAt } : {}),
    ...(row.revokedReason ? { revokedReason: row.revokedReason } : {}),
  };
}

function toToken(row: TokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    grantId: row.familyId,
    clientId: row.clientId,
    expiresAt: row.expiresAt,
    ...(row.rotatedAt ? { rotatedAt: row.rotatedAt } : {}),
    ...(row.revokedAt ? { revokedAt: row.revokedAt } : {}),
  };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
