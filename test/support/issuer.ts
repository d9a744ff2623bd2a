import { generateKeyPairSync } from 'node:crypto';
import { signingKeyFromPem, type PublishedKey } from '../../src/adapters/issuer/key-material.js';
import { RolegateIssuer } from '../../src/adapters/issuer/rolegate-issuer.js';
import { StaticSigningKeys } from '../../src/adapters/issuer/static-signing-keys.js';
import type { SamlAssertionRequest } from '../../src/ports/assertion-issuer.js';
import type { Clock } from '../../src/ports/clock.js';

/** A test RSA key as PKCS#8 PEM (generated per run; never a committed key). */
export function testRsaPem(bits = 2048): string {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

let shared: string | undefined;
/** One key per test file: RSA generation takes up to a second on these machines. */
export function sharedTestRsaPem(): string {
  shared ??= testRsaPem();
  return shared;
}

/** rolegate's issuer on a fresh static key and a settable clock. */
export function testIssuer(options: { now?: number; extra?: PublishedKey[]; pem?: string } = {}) {
  let now = options.now ?? Date.UTC(2026, 10, 23, 10, 0, 0);
  const clock: Clock = { now: () => now };
  const key = signingKeyFromPem(options.pem ?? sharedTestRsaPem());
  const issuer = new RolegateIssuer({
    keys: new StaticSigningKeys(key, options.extra ?? []),
    clock,
    entityId: 'https://rolegate.corp.example/saml/metadata',
    portalUrl: 'https://rolegate.corp.example/',
    webIdentityIssuer: 'https://rolegate.corp.example',
    webIdentityAudience: 'sts.amazonaws.com',
    assertionLifetimeSeconds: 300,
  });
  return {
    issuer,
    key,
    setNow: (ms: number) => {
      now = ms;
    },
  };
}

/** A valid SAML minting request for alice, Developer in 111122223333 (override what a test is about). */
export function samlRequest(overrides: Partial<SamlAssertionRequest> = {}): SamlAssertionRequest {
  return {
    userId: 'corp:alice@corp.com',
    sessionName: 'alice@corp.com',
    sourceIdentity: 'alice@corp.com',
    roleArn: 'arn:aws:iam::111122223333:role/Developer',
    providerArn: 'arn:aws:iam::111122223333:saml-provider/rolegate',
    partition: 'aws',
    sessionDurationSeconds: 3600,
    tags: [],
    transitiveTagKeys: [],
    authenticatedAt: Date.now() - 60_000,
    ...overrides,
  };
}
