import {
  oidcSettingsSchema,
  samlSettingsSchema,
  type IdentityProvider,
  type IdentityProviderSeed,
} from '../../domain/identity-provider.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { IdentityProvider as Row, Prisma, PrismaClient } from './generated/client.js';
import { reportingFailuresAs } from '../dependency-failures.js';

/** IdentityProviderStore on the identity_providers table; `settings` is validated per kind with zod. */
export class PrismaIdentityProviderStore implements IdentityProviderStore {
  constructor(private readonly prisma: PrismaClient) {
    return reportingFailuresAs(this, 'The database');
  }

  async list(): Promise<{ providers: IdentityProvider[]; invalid: { slug: string; problem: string }[] }> {
    const rows = await this.prisma.identityProvider.findMany({ orderBy: [{ displayName: 'asc' }, { slug: 'asc' }] });
    const providers: IdentityProvider[] = [];
    const invalid: { slug: string; problem: string }[] = [];
    for (const row of rows) {
      const parsed = fromRow(row);
      if (parsed.ok) providers.push(parsed.provider);
      else invalid.push({ slug: row.slug, problem: parsed.problem });
    }
    return { providers, invalid };
  }

  async findBySlug(slug: string): Promise<IdentityProvider | null> {
    const row = await this.prisma.identityProvider.findUnique({ where: { slug } });
    if (!row) return null;
    const parsed = fromRow(row);
    return parsed.ok ? parsed.provider : null;
  }

  async upsert(seed: IdentityProviderSeed): Promise<IdentityProvider> {
    // The seed's clientSecret (OIDC) is deliberately not part of `data`.
    const data = {
      displayName: seed.displayName,
      kind: seed.kind,
      enabled: seed.enabled,
      groupsFrom: seed.groupsFrom,
      settings: seed.settings as Prisma.InputJsonValue,
    };
    const row = await this.prisma.identityProvider.upsert({
      where: { slug: seed.slug },
      create: { slug: seed.slug, ...data },
      update: { ...data, version: { increment: 1 } },
    });
    const parsed = fromRow(row);
    if (!parsed.ok) throw new Error(`identity provider ${seed.slug}: ${parsed.problem}`);
    return parsed.provider;
  }
}

function fromRow(row: Row): { ok: true; provider: IdentityProvider } | { ok: false; problem: string } {
  const base = { id: row.id, slug: row.slug, displayName: row.displayName, enabled: row.enabled, groupsFrom: row.groupsFrom };
  const schema = row.kind === 'oidc' ? oidcSettingsSchema : samlSettingsSchema;
  const parsed = schema.safeParse(row.settings);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.map((i) => `settings.${i.path.join('.')}: ${i.message}`).join('; ') };
  }
  return row.kind === 'oidc'
    ? { ok: true, provider: { ...base, kind: 'oidc', settings: oidcSettingsSchema.parse(row.settings) } }
    : { ok: true, provider: { ...base, kind: 'saml', settings: samlSettingsSchema.parse(row.settings) } };
}
