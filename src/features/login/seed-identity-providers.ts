import type { IdentityProviderSeed } from '../../domain/identity-provider.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { SamlMetadataReader } from '../../ports/saml-gateway.js';

/** The IdP's metadata could not be read from its URL: an outage to retry, not a configuration problem. */
export class MetadataUnavailable extends Error {
  override name = 'MetadataUnavailable';
}

/**
 * Upserts one configured IdP by slug. A SAML seed that names metadata gets
 * entityID, endpoints and certificates from it (explicit settings win). When
 * metadata from a URL cannot be read, nothing is written (the database keeps
 * what an earlier start stored, if anything) and MetadataUnavailable is
 * thrown; any other failure is a configuration or database problem.
 */
export async function seedIdentityProvider(
  deps: { idps: IdentityProviderStore; metadata: SamlMetadataReader },
  seed: IdentityProviderSeed,
): Promise<void> {
  let resolved = seed;
  if (seed.kind === 'saml' && seed.metadata) {
    let metadata: Awaited<ReturnType<SamlMetadataReader['read']>>;
    try {
      metadata = await deps.metadata.read(seed.metadata);
    } catch (error) {
      const problem = `identity provider ${seed.slug}: cannot read its SAML metadata: ${(error as Error).message}`;
      if ('url' in seed.metadata) throw new MetadataUnavailable(problem, { cause: error });
      throw new Error(problem, { cause: error });
    }
    const { metadata: _source, ...rest } = seed;
    resolved = { ...rest, settings: { ...seed.settings, ...metadata, ...definedOnly(seed.settings) } };
  }
  await deps.idps.upsert(resolved);
}

/** The keys the operator set explicitly (they win over metadata). */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
