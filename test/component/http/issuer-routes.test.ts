import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { SignedXml } from 'xml-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listen, type TestApp } from '../../support/app.js';
import { samlRequest, testRsaPem } from '../../support/issuer.js';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

function certificatesOf(metadata: string): string[] {
  const doc = new DOMParser().parseFromString(metadata, 'text/xml');
  return Array.from(doc.getElementsByTagNameNS(DS, 'X509Certificate')).map((c) => c.textContent);
}

describe('issuer routes on a generated key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example', ROLEGATE_SIGNING_KEY: '' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('when /saml/metadata is fetched, then it is cacheable XML naming the entity id with one signing certificate', async () => {
    const res = await request(t.app).get('/saml/metadata').expect(200);
    expect(res.headers['content-type']).toBe('application/samlmetadata+xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const body = res.text;
    const doc = new DOMParser().parseFromString(body, 'text/xml');
    expect(doc.documentElement.getAttribute('entityID')).toBe('https://rolegate.corp.example/saml/metadata');
    expect(Array.from(doc.getElementsByTagNameNS(MD, 'KeyDescriptor')).map((k) => k.getAttribute('use'))).toEqual(['signing']);
    expect(body).not.toMatch(/PRIVATE/);
    await request(t.app).get('/saml/metadata').set('If-None-Match', String(res.headers.etag)).expect(304);
  });

  it('when rolegate mints a SAML response, then it verifies with the certificate served at /saml/metadata', async () => {
    const minted = await t.deps.issuer.mintSamlResponse(samlRequest());
    const xml = Buffer.from(minted.samlAssertion.reveal(), 'base64').toString('utf8');
    const [certificate] = certificatesOf((await request(t.app).get('/saml/metadata')).text);
    const verifier = new SignedXml({
      publicCert: `-----BEGIN CERTIFICATE-----\n${certificate ?? ''}\n-----END CERTIFICATE-----\n`,
      getCertFromKeyInfo: () => null,
    });
    verifier.loadSignature(new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagNameNS(DS, 'Signature')[0] as Node);
    expect(verifier.checkSignature(xml)).toBe(true);
    expect(t.logs.text()).not.toContain(minted.samlAssertion.reveal().slice(0, 40));
  });

  it('when a JWT is minted, then it verifies against the JWKS found through the discovery document over HTTP', async () => {
    const server = await listen(t.app);
    try {
      const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
      expect(discovery).toMatchObject({
        issuer: 'https://rolegate.corp.example',
        jwks_uri: 'https://rolegate.corp.example/.well-known/jwks.json',
      });
      const jwksRes = await fetch(`${server.url}/.well-known/jwks.json`);
      expect(jwksRes.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
      expect(jwksRes.headers.get('cache-control')).toBe('public, max-age=300');
      const minted = await t.deps.issuer.mintWebIdentityToken({ userId: 'corp:alice@corp.com', tags: [], transitiveTagKeys: [] });
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(minted.token.reveal(), jwks, {
        issuer: 'https://rolegate.corp.example',
        audience: 'sts.amazonaws.com',
      });
      expect(payload.sub).toBe('corp:alice@corp.com');
    } finally {
      await server.close();
    }
  });

  it('when another instance starts on the same database, then it publishes the same key', async () => {
    const first = (await request(t.app).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    const second = await createTestApp({
      ROLEGATE_SIGNING_KEY: '',
      DATABASE_URL: t.database.url,
      ROLEGATE_ENCRYPTION_KEYS:
        t.config.encryption.keys
          ?.reveal()
          .map((k) => k.toString('base64'))
          .join(',') ?? '',
    });
    try {
      const again = (await request(second.app).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] };
      expect(again.keys.map((k) => k.kid)).toEqual(first.keys.map((k) => k.kid));
    } finally {
      await second.close();
    }
  });
});

describe('issuer start-up', () => {
  it('when the signing key comes from a file, then metadata and JWKS publish that key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-key-'));
    const file = path.join(dir, 'signing.pem');
    writeFileSync(file, testRsaPem(), { mode: 0o600 });
    const t = await createTestApp({ ROLEGATE_SIGNING_KEY: '', ROLEGATE_SIGNING_KEY_FILE: file });
    try {
      const jwks = (await request(t.app).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] };
      expect(jwks.keys).toHaveLength(1);
      expect(certificatesOf((await request(t.app).get('/saml/metadata')).text)).toHaveLength(1);
      expect(await t.deps.database.prisma.signingKey.count()).toBe(0);
      expect(t.logs.lines().find((l) => l.msg === 'signing keys ready')).toMatchObject({ keySource: 'file' });
    } finally {
      await t.close();
    }
  });

  it('when the signing key file is missing, then start-up fails naming the key and the file', async () => {
    await expect(createTestApp({ ROLEGATE_SIGNING_KEY: '', ROLEGATE_SIGNING_KEY_FILE: '/nonexistent/signing.pem' })).rejects.toMatchObject({
      problems: ['issuer.signingKeyFile (/nonexistent/signing.pem): no such file'],
    });
  });

  it('when no encryption key is configured in demo mode, then a 0600 key file is created in the data directory and a warning is logged', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'rolegate-data-')), 'data');
    const t = await createTestApp({ ROLEGATE_ENCRYPTION_KEYS: '', ROLEGATE_DATA_DIR: dataDir });
    try {
      expect(statSync(path.join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);
      const warning = t.logs.lines().find((l) => String(l.msg).startsWith('DEMO ENCRYPTION KEY'));
      expect(warning).toMatchObject({ level: 'warn', created: true });
    } finally {
      await t.close();
    }
  });
});

describe('issuer start-up on an unmigrated database', () => {
  it('when the signing_keys table does not exist, then start-up fails in one line that says to migrate', async () => {
    const { createTestDatabase } = await import('../../support/postgres.js');
    const empty = await createTestDatabase({ migrated: false });
    try {
      const error = (await createTestApp({ ROLEGATE_SIGNING_KEY: '', DATABASE_URL: empty.url }).catch((e: unknown) => e)) as {
        problems: string[];
      };
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^issuer \(signing keys in PostgreSQL\): .*does not exist.* \(run `npm run db:migrate`\)$/);
    } finally {
      await empty.drop();
    }
  });
});
