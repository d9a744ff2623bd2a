import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateOpenIDConnectProviderCommand, DeleteOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestSts, stsClient } from '../support/devstack.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { startTestOidcIssuer, type TestOidcIssuer } from '../support/test-oidc-issuer.js';

// How the devstack's AssumeRoleWithWebIdentity gets a provider's keys: from the issuer registered
// in its IAM (discovery, then JWKS), bounded in time, cached, and — for an https issuer — only
// from a server whose certificate matches the provider's thumbprint, as IAM checks it.
const A = '111111111111';
const ADMIN = { accessKeyId: 'AKIATESTPROVIDERKEY1', secretAccessKey: 'provider-keys-test-secret-0123' };
let certs: TestCertificates;
let tlsIssuer: TestOidcIssuer;
let plainIssuer: TestOidcIssuer;
let stalled: Server;
const held: Socket[] = [];
let stalledUrl: string;
let sts: Awaited<ReturnType<typeof startTestSts>>;
let thumbprint: string;

const trustAny = (issuerUrls: string[]) => ({
  Version: '2012-10-17',
  Statement: issuerUrls.map((url) => ({
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/${url.replace(/^https?:\/\//, '')}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
  })),
});

beforeAll(async () => {
  certs = makeTestCertificates('rolegate web identity TEST CA');
  tlsIssuer = await startTestOidcIssuer({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  plainIssuer = await startTestOidcIssuer();
  // The issuer serves only its own certificate: it is the top of the chain it presents.
  thumbprint = new X509Certificate(readFileSync(certs.certFile)).fingerprint.replace(/:/g, '').toLowerCase();
  // An issuer that accepts connections and never answers.
  stalled = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  stalledUrl = `http://127.0.0.1:${String((stalled.address() as AddressInfo).port)}`;
  sts = await startTestSts({
    accounts: [
      {
        id: A,
        users: [{ name: 'admin', accessKeys: [ADMIN] }],
        oidcProviders: [
          { url: plainIssuer.url, clientIds: ['sts.amazonaws.com'] },
          { url: stalledUrl, clientIds: ['sts.amazonaws.com'] },
        ],
        roles: [{ name: 'Web', trustPolicy: trustAny([tlsIssuer.url, plainIssuer.url, stalledUrl]) }],
      },
    ],
  });
});
afterAll(async () => {
  await sts.close();
  await tlsIssuer.close();
  await plainIssuer.close();
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => stalled.close(() => resolve()));
  rmSync(certs.dir, { recursive: true, force: true });
});

const iam = () => new IAMClient({ endpoint: sts.url, region: 'us-east-1', maxAttempts: 1, credentials: { ...ADMIN } });
const providerArn = `arn:aws:iam::${A}:oidc-provider/localhost`;
async function registerTlsIssuer(thumbprints: string[]): Promise<void> {
  const arn = `${providerArn}:${new URL(tlsIssuer.url).port}`;
  await iam()
    .send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))
    .catch(() => undefined);
  await iam().send(
    new CreateOpenIDConnectProviderCommand({ Url: tlsIssuer.url, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: thumbprints }),
  );
}
const assume = (token: string, client: STSClient = stsClient(sts.url)) =>
  client.send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/Web`, RoleSessionName: 'alice-web', WebIdentityToken: token }),
  );
const tokenOf = (issuer: TestOidcIssuer) => issuer.sign({ sub: 'alice', aud: 'sts.amazonaws.com' });

describe("the devstack's web-identity provider keys", () => {
  it('when an https issuer presents the certificate the provider pins, then its token is accepted', async () => {
    await registerTlsIssuer(['0'.repeat(40), thumbprint.toUpperCase()]);
    const answer = await assume(await tokenOf(tlsIssuer));
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(answer.Provider).toBe(tlsIssuer.url);
  });

  it("when the provider's thumbprints do not match the issuer's certificate, then InvalidIdentityToken with AWS's words, and its keys are never read", async () => {
    await registerTlsIssuer(['0'.repeat(40)]);
    const before = tlsIssuer.jwksFetches();
    expect(await failure(assume(await tokenOf(tlsIssuer)))).toMatchObject({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    });
    expect(tlsIssuer.jwksFetches()).toBe(before);
    // Corrected: the same issuer is trusted again at once (the cache is per thumbprint list).
    await registerTlsIssuer([thumbprint]);
    await assume(await tokenOf(tlsIssuer));
  });

  it('when tokens of one issuer keep coming, then its JWKS is fetched once and reused', async () => {
    const before = plainIssuer.jwksFetches();
    for (let i = 0; i < 5; i++) await assume(await tokenOf(plainIssuer));
    expect(plainIssuer.jwksFetches() - before).toBeLessThanOrEqual(1);
  });

  it('when the issuer accepts the connection and never answers, then IDPCommunicationError after the bounded wait, not a hang', async () => {
    const started = Date.now();
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: stalledUrl, sub: 'a', aud: 'sts.amazonaws.com', exp: 9_999_999_999 })).toString(
      'base64url',
    );
    expect(await failure(assume(`${header}.${payload}.c2ln`, stsClient(sts.url)))).toMatchObject({
      name: 'IDPCommunicationErrorException',
      message: expect.stringContaining('took longer than 3000 ms') as unknown,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
