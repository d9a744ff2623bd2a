import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsIssuerCertificateReader } from '../../../src/adapters/issuer/tls-thumbprint.js';
import { renderIamTemplate } from '../../../src/domain/iam-template-formats.js';
import { PLACEHOLDER_THUMBPRINT, thumbprintNotes, type AccountIamPlan } from '../../../src/domain/iam-template.js';
import { providerThumbprint, type IamTemplateDeps } from '../../../src/features/iam/iam-template.js';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.js';

// The OIDC provider's thumbprint in IAM setup as code: read from the https issuer's TLS chain
// (the top intermediate CA's SHA-1), the operator's --thumbprint, or a placeholder that says why.
let certs: TestCertificates;
let leafOnly: Server;
let withCa: Server;
let silent: TcpServer;
const held: Socket[] = [];
const sha1 = (file: string) => new X509Certificate(readFileSync(file)).fingerprint.replace(/:/g, '').toLowerCase();
const urlOf = (server: Server | TcpServer) => `https://localhost:${String((server.address() as AddressInfo).port)}`;
const listen = (server: Server | TcpServer) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

beforeAll(async () => {
  certs = makeTestCertificates('rolegate thumbprint TEST CA');
  const key = readFileSync(certs.keyFile);
  const leaf = readFileSync(certs.certFile, 'utf8');
  const ca = readFileSync(certs.caFile, 'utf8');
  leafOnly = createServer({ key, cert: leaf }, (_req, res) => res.end());
  // The CA here is the (self-signed) root: the top intermediate below it is the server's certificate.
  withCa = createServer({ key, cert: `${leaf}\n${ca}` }, (_req, res) => res.end());
  silent = createTcpServer((socket) => void held.push(socket));
  await Promise.all([listen(leafOnly), listen(withCa), listen(silent)]);
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await Promise.all([leafOnly, withCa, silent].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(certs.dir, { recursive: true, force: true });
});

const reader = new TlsIssuerCertificateReader(1000);
const deps = { issuerCertificate: reader } as unknown as IamTemplateDeps;
const plan: AccountIamPlan = {
  account: { id: '111111111111', alias: 'sandbox', partition: 'aws', region: 'us-east-1' },
  samlProviders: [],
  oidcProviders: [
    {
      logicalId: 'OidcProviderRolegate',
      arn: 'arn:aws:iam::111111111111:oidc-provider/rolegate.example',
      url: 'https://rolegate.example',
      clientIds: ['sts.amazonaws.com'],
    },
  ],
  roles: [],
  needsHubPrincipal: false,
};

describe("the OIDC provider's thumbprint", () => {
  it('when the issuer serves its certificate alone or with its root, then the thumbprint is the top certificate below the root', async () => {
    expect(await reader.topIntermediateThumbprint(urlOf(leafOnly))).toBe(sha1(certs.certFile));
    expect(await reader.topIntermediateThumbprint(urlOf(withCa))).toBe(sha1(certs.certFile));
    expect(sha1(certs.certFile)).not.toBe(sha1(certs.caFile));
  });

  it('when the issuer cannot be reached or never completes the handshake, then a bounded refusal with the reason', async () => {
    const started = Date.now();
    await expect(reader.topIntermediateThumbprint(urlOf(silent))).rejects.toThrow(/^no TLS handshake with localhost:\d+ within 1000 ms$/);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(reader.topIntermediateThumbprint('https://127.0.0.1:9')).rejects.toThrow(/^cannot reach 127\.0\.0\.1:9 over TLS: /);
  });

  it("when the template is made, then the thumbprint is the operator's, the issuer's, or a placeholder that says why", async () => {
    expect(await providerThumbprint(deps, urlOf(leafOnly), 'ABCDEF0123456789ABCDEF0123456789ABCDEF01')).toEqual({
      value: 'abcdef0123456789abcdef0123456789abcdef01',
      source: 'operator',
    });
    expect(await providerThumbprint(deps, urlOf(leafOnly), undefined)).toEqual({
      value: sha1(certs.certFile),
      source: 'issuer-certificate',
    });
    const http = await providerThumbprint(deps, 'http://127.0.0.1:8080', undefined);
    expect(http).toMatchObject({
      value: PLACEHOLDER_THUMBPRINT,
      source: 'placeholder',
      reason: expect.stringContaining('is plain http') as unknown,
    });
    const unreadable = await providerThumbprint(deps, urlOf(silent), undefined);
    expect(unreadable).toMatchObject({
      source: 'placeholder',
      reason: expect.stringContaining('could not be read (no TLS handshake') as unknown,
    });

    const computed = {
      ...plan,
      oidcProviders: plan.oidcProviders.map((p) => ({
        ...p,
        thumbprint: { value: sha1(certs.certFile), source: 'issuer-certificate' as const },
      })),
    };
    const script = renderIamTemplate(computed, 'aws-cli');
    expect(script).toContain(`--thumbprint-list "\${ROLEGATE_OIDC_THUMBPRINT:-${sha1(certs.certFile)}}"`);
    expect(script).toContain('# Thumbprint: SHA-1 of the top intermediate CA certificate of rolegate.example');
    const cfn = JSON.parse(renderIamTemplate(computed, 'cloudformation')) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    expect(cfn.Resources.OidcProviderRolegate?.Properties.ThumbprintList).toEqual([sha1(certs.certFile)]);
    expect(renderIamTemplate(computed, 'terraform')).toContain(`thumbprint_list = ["${sha1(certs.certFile)}"]`);
    expect(thumbprintNotes(computed)).toEqual([]);

    const placeholder = { ...plan, oidcProviders: plan.oidcProviders.map((p) => ({ ...p, thumbprint: http })) };
    expect(renderIamTemplate(placeholder, 'aws-cli')).toContain(
      `# Thumbprint: PLACEHOLDER (${PLACEHOLDER_THUMBPRINT}), the issuer http://127.0.0.1:8080 is plain http`,
    );
    const cfnPlaceholder = JSON.parse(renderIamTemplate(placeholder, 'cloudformation')) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    expect(cfnPlaceholder.Resources.OidcProviderRolegate?.Properties.ThumbprintList).toBeUndefined();
    expect(renderIamTemplate(placeholder, 'terraform')).not.toContain('thumbprint_list');
    expect(thumbprintNotes(placeholder)).toEqual([
      expect.stringMatching(
        /^the OIDC provider https:\/\/rolegate\.example is created with a placeholder thumbprint \(0{40}\): the issuer http:\/\/127\.0\.0\.1:8080 is plain http.*pass --thumbprint/,
      ) as unknown,
    ]);
  });
});
