import { RolegateError } from '../../domain/errors.js';
import type { NewSigningKey, SigningKeyPurpose, SigningKeyStore, StoredSigningKey } from '../../ports/signing-key-store.js';
import type { Prisma, PrismaClient } from './generated/client.js';

type Row = Prisma.SigningKeyGetPayload<object>;

/** SigningKeyStore on the signing_keys table; the unique (purpose, slot) index keeps one active and one next key. */
export class PrismaSigningKeyStore implements SigningKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async listPublished(purpose: SigningKeyPurpose, now: Date): Promise<StoredSigningKey[]> {
    const rows = await this.prisma.signingKey.findMany({
      where: { purpose, OR: [{ slot: { not: null } }, { unpublishAfter: { gt: now } }] },
      orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }],
    });
    // Oldest first; keys created in the same millisecond in lifecycle order (retired, active, next).
    const rank = { retired: 0, active: 1, next: 2 } as const;
    return rows.map(toStored).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || rank[a.state] - rank[b.state]);
  }

  activateFirst(key: NewSigningKey, now: Date): Promise<StoredSigningKey> {
    return this.#insertUnlessTaken(key, 'active', now);
  }

  addNext(key: NewSigningKey, now: Date): Promise<StoredSigningKey> {
    return this.#insertUnlessTaken(key, 'next', now);
  }

  async promoteNext(purpose: SigningKeyPurpose, now: Date, unpublishAfter: Date): Promise<StoredSigningKey | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const next = await tx.signingKey.findFirst({ where: { purpose, slot: 'next' } });
      if (!next) return undefined;
      const active = await tx.signingKey.findFirst({ where: { purpose, slot: 'active' } });
      // Conditional updates: if another instance rotated meanwhile, a count is 0 and everything rolls back.
      if (active) {
        const retired = await tx.signingKey.updateMany({
          where: { kid: active.kid, slot: 'active' },
          data: { slot: null, retiredAt: now, unpublishAfter },
        });
        if (retired.count !== 1) throw rotatedMeanwhile();
      }
      const promoted = await tx.signingKey.updateMany({
        where: { kid: next.kid, slot: 'next' },
        data: { slot: 'active', activatedAt: now },
      });
      if (promoted.count !== 1) throw rotatedMeanwhile();
      return toStored(await tx.signingKey.findUniqueOrThrow({ where: { kid: next.kid } }));
    });
  }

  async purgeRetired(now: Date): Promise<number> {
    const { count } = await this.prisma.signingKey.deleteMany({ where: { slot: null, unpublishAfter: { lte: now } } });
    return count;
  }

  async #insertUnlessTaken(key: NewSigningKey, slot: 'active' | 'next', now: Date): Promise<StoredSigningKey> {
    // INSERT … ON CONFLICT DO NOTHING: when another instance got there first (unique purpose+slot),
    // nothing is written and its key is read back. (No unique-violation error either: through the
    // embedded PGlite socket such an error drops the connection.)
    await this.prisma.signingKey.createMany({
      data: [{ ...key, slot, createdAt: now, ...(slot === 'active' ? { activatedAt: now } : {}) }],
      skipDuplicates: true,
    });
    const row = await this.prisma.signingKey.findFirst({ where: { purpose: key.purpose, slot } });
    if (!row) throw rotatedMeanwhile();
    return toStored(row);
  }
}

function rotatedMeanwhile(): RolegateError {
  return new RolegateError('conflict', { detail: 'The signing keys changed meanwhile (another instance rotated them); try again' });
}

function toStored(row: Row): StoredSigningKey {
  return {
    kid: row.kid,
    purpose: row.purpose,
    state: row.slot ?? 'retired',
    certificatePem: row.certificatePem,
    sealedPrivateKey: row.sealedPrivateKey,
    createdAt: row.createdAt,
    ...(row.activatedAt ? { activatedAt: row.activatedAt } : {}),
    ...(row.retiredAt ? { retiredAt: row.retiredAt } : {}),
    ...(row.unpublishAfter ? { unpublishAfter: row.unpublishAfter } : {}),
  };
}
