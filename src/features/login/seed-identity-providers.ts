import type { IdentityProviderSeed } from '../../domain/identity-provider.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { Logger } from '../../ports/logger.js';
import type { SamlMetadataReader } from '../../ports/saml-gateway.js';

/**
 * Upserts the configured IdPs by slug. A SAML seed that names metadata gets
 * entityID, endpoints and certificates from it (explicit settings win). If
 * the metadata cannot be read, that IdP keeps what the database already has
 * and the problem is logged: one unreachable IdP must not stop rolegate.
 * Returns the problems (one line each).
 */
export async function seedIdentityProviders(
  deps: { idps: IdentityProviderStore; metadata: SamlMetadataReader; logger: Logger },
  seeds: readonly IdentityProviderSeed[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const seed of seeds) {
    let resolved = seed;
    if (seed.kind === 'saml' && seed.metadata) {
      try {
        const metadata = await deps.metadata.read(seed.metadata);
        const { metadata: _source, ...rest } = seed;
        resolved = { ...rest, settings: { ...seed.settings, ...metadata, ...definedOnly(seed.settings) } };
      } catch (error) {
        problems.push(`identity provider ${seed.slug}: cannot read its SAML metadata: ${(error as Error).message}`);
        continue;
      }
    }
    try {
      await deps.idps.upsert(resolved);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  for (const problem of problems) deps.logger.error({ problem }, 'identity provider not updated from configuration');
  return problems;
}

/** The keys the operator set explicitly (they win over metadata). */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
