import { AssumeRoleWithSAMLCommand } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestSts, stsClient } from '../support/devstack.js';
import { idpMetadata, mintSamlResponse, testSigner, toBase64 } from '../support/saml/mint-saml-response.js';
import { pair, PROVIDER, role, samlWorld } from './saml-world.js';

const idp = testSigner('idp');
const rotated = testSigner('rotated-idp');
let published = [idp.cert];
let metadataFetches = 0;
const metadataServer = createServer((_req, res) => {
  metadataFetches++;
  res.setHeader('content-type', 'application/samlmetadata+xml');
  res.end(idpMetadata(published));
});
let sts: Awaited<ReturnType<typeof startTestSts>>;

beforeAll(async () => {
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  sts = await startTestSts(samlWorld({ url: `http://127.0.0.1:${String((metadataServer.address() as AddressInfo).port)}/saml/metadata` }));
});
afterAll(async () => {
  await sts.close();
  await new Promise((resolve) => metadataServer.close(resolve));
});

const assume = (signer = idp) =>
  stsClient(sts.url).send(
    new AssumeRoleWithSAMLCommand({
      RoleArn: role('Developer'),
      PrincipalArn: PROVIDER,
      SAMLAssertion: toBase64(mintSamlResponse({ signer, roles: [pair('Developer')] })),
    }),
  );

describe('SAML provider metadata given as a loopback URL', () => {
  it('when the first assertion arrives, then the metadata is fetched once and cached', async () => {
    expect(metadataFetches).toBe(0); // lazily: nothing is fetched at start-up
    await assume();
    await assume();
    expect(metadataFetches).toBe(1);
  });

  it('when the IdP rotates its key, then a failed signature check re-fetches the metadata and the new key is accepted', async () => {
    published = [rotated.cert];
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the re-fetch is rate-limited to once per second
    const before = metadataFetches;
    const result = await assume(rotated);
    expect(result.AssumedRoleUser?.Arn).toContain(':assumed-role/Developer/');
    expect(metadataFetches).toBe(before + 1);
    expect(await failure(assume(idp))).toMatchObject({ name: 'InvalidIdentityTokenException' });
  });
});

describe('SAML provider metadata given as a file', () => {
  it('when the YAML names a metadata file, then it is read relative to the YAML directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devstack-metadata-'));
    writeFileSync(join(dir, 'idp-metadata.xml'), idpMetadata([idp.cert]));
    const fileSts = await startTestSts(samlWorld({ file: 'idp-metadata.xml' }), undefined, dir);
    try {
      const result = await stsClient(fileSts.url).send(
        new AssumeRoleWithSAMLCommand({
          RoleArn: role('Developer'),
          PrincipalArn: PROVIDER,
          SAMLAssertion: toBase64(mintSamlResponse({ signer: idp, roles: [pair('Developer')] })),
        }),
      );
      expect(result.AssumedRoleUser?.Arn).toContain(':assumed-role/Developer/');
    } finally {
      await fileSts.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
