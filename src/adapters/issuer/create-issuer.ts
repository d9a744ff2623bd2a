import { readFileSync } from 'node:fs';
import type { Config } from '../../config/load-config.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Sealer } from '../../ports/sealer.js';
import type { SigningKeyStore } from '../../ports/signing-key-store.js';
import { DatabaseSigningKeys } from './database-signing-keys.js';
import { publishedKeyFromPem, signingKeyFromPem, type SigningKeySource } from './key-material.js';
import { RolegateIssuer } from './rolegate-issuer.js';
import { StaticSigningKeys } from './static-signing-keys.js';

export interface IssuerParts {
  issuer: RolegateIssuer;
  /** Present when keys are generated and stored in the database (rotation commands act on it). */
  databaseKeys?: DatabaseSigningKeys;
  /** Where the keys come from, for the start-up log. */
  keySource: 'database' | 'file' | 'environment';
}

/**
 * Builds rolegate's issuer from configuration: PEM keys when configured,
 * otherwise generated keys sealed in PostgreSQL (created on first start).
 * Throws one line naming the configuration key at fault; never echoes key material.
 */
export async function createIssuer(
  config: Config,
  deps: { store: SigningKeyStore; sealer: Sealer; clock: Clock; logger: Logger },
): Promise<IssuerParts> {
  const { issuer: settings } = config;
  let keys: SigningKeySource;
  let databaseKeys: DatabaseSigningKeys | undefined;
  let keySource: IssuerParts['keySource'];
  if (settings.signingKey !== undefined || settings.signingKeyFile !== undefined) {
    const fromFile = settings.signingKeyFile !== undefined;
    const where = fromFile ? `issuer.signingKeyFile (${settings.signingKeyFile ?? ''})` : 'issuer.signingKey (env ROLEGATE_SIGNING_KEY)';
    const key = attempt(where, () =>
      signingKeyFromPem(fromFile ? readPem(settings.signingKeyFile ?? '') : (settings.signingKey?.reveal() ?? '')),
    );
    const extra = settings.publishedKeyFiles.map((file) =>
      attempt(`issuer.publishedKeyFiles (${file})`, () => publishedKeyFromPem(readPem(file))),
    );
    keys = new StaticSigningKeys(key, extra);
    keySource = fromFile ? 'file' : 'environment';
  } else {
    databaseKeys = new DatabaseSigningKeys({
      store: deps.store,
      sealer: deps.sealer,
      clock: deps.clock,
      logger: deps.logger,
      keyBits: settings.keyBits,
      assertionLifetimeSeconds: settings.assertionLifetimeSeconds,
    });
    await databaseKeys.init();
    keys = databaseKeys;
    keySource = 'database';
  }
  const issuer = new RolegateIssuer({
    keys,
    clock: deps.clock,
    entityId: settings.entityId,
    portalUrl: config.server.publicUrl.href,
    webIdentityIssuer: settings.webIdentityIssuer,
    webIdentityAudience: settings.webIdentityAudience,
    assertionLifetimeSeconds: settings.assertionLifetimeSeconds,
  });
  return { issuer, keySource, ...(databaseKeys ? { databaseKeys } : {}) };
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read the file');
  }
}

function attempt<T>(where: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}
