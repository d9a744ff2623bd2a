import { afterEach, describe, expect, it } from 'vitest';
import { SamlVerifierThread } from '../../../src/adapters/saml/saml-verifier-thread.js';
import type { SamlVerifierSettings } from '../../../src/adapters/saml/saml-verifier.js';
import { RolegateError } from '../../../src/domain/errors.js';
import type { SamlIdentityProvider } from '../../../src/ports/saml-gateway.js';
import { buildResponse, encode, KEYS, sign } from '../../peers/saml-idp.js';

const PUBLIC_URL = 'https://rolegate.test/';
const IDP: SamlIdentityProvider = {
  id: 'idp-1',
  slug: 'corp',
  displayName: 'Corp',
  enabled: true,
  kind: 'saml',
  groupsFrom: 'groups',
  settings: {
    entityId: 'https://idp.test/metadata',
    ssoUrl: 'https://idp.test/sso',
    certificates: [KEYS.idp.cert],
    emailAttribute: 'email',
    displayNameAttribute: 'displayName',
    wantResponseSigned: false,
    wantAssertionSigned: false,
    allowSha1: false,
    idpInitiated: { enabled: true, relayStateAllowList: [] },
  },
};
const settings = (limits: Partial<SamlVerifierSettings['xmlLimits']> = {}): SamlVerifierSettings => ({
  publicUrl: PUBLIC_URL,
  clockSkewMs: 30_000,
  maxAssertionAgeMs: 300_000,
  requestIdTtlMs: 600_000,
  maxMessageBytes: 4_000_000,
  xmlLimits: { maxDepth: 32, maxElements: 2000, maxAttributes: 4000, maxAttributesPerElement: 32, maxNamespacesInScope: 24, ...limits },
});

/** An unsolicited response for alice, signed on the assertion; `payload` goes inside it (breaking the signature). */
function response(payload?: string): string {
  const xml = sign(
    buildResponse({
      issuer: IDP.settings.entityId,
      nameId: 'alice@corp.example',
      acsUrl: `${PUBLIC_URL}auth/saml/corp/acs`,
      audience: `${PUBLIC_URL}auth/saml/corp/metadata`,
      attributes: { groups: ['PAYLOAD'] },
    }),
    'Assertion',
    KEYS.idp,
  );
  return encode(payload === undefined ? xml : xml.replace('>PAYLOAD<', `>${payload}<`));
}

const threads: SamlVerifierThread[] = [];
const thread = (...args: ConstructorParameters<typeof SamlVerifierThread>) => {
  const created = new SamlVerifierThread(...args);
  threads.push(created);
  return created;
};
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

describe('SamlVerifierThread', () => {
  it('when a valid response is verified on the thread, then the assertion comes back as plain data', async () => {
    const assertion = await thread(settings()).validateResponse(IDP, response(), null);
    expect(assertion).toMatchObject({ issuer: IDP.settings.entityId, nameId: 'alice@corp.example', attributes: { groups: ['PAYLOAD'] } });
  });

  it('when the thread refuses a message, then the caller gets the same RolegateError code and detail', async () => {
    const refusal = await thread(settings())
      .validateResponse(IDP, response('<a/>'.repeat(3000)), null)
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RolegateError);
    expect(refusal).toMatchObject({
      code: 'assertion_invalid',
      status: 401,
      detail: expect.stringMatching(/more than 2000 elements/) as unknown,
    });
  });

  it('when more messages wait than allowed, then the extra one is a 503 at once, not a longer queue', async () => {
    const verifier = thread(settings(), { maxPending: 1 });
    const first = verifier.validateResponse(IDP, response(), null);
    await expect(verifier.validateResponse(IDP, response(), null)).rejects.toMatchObject({
      code: 'dependency_unavailable',
      detail: expect.stringMatching(/busy/) as unknown,
    });
    await expect(first).resolves.toMatchObject({ nameId: 'alice@corp.example' });
  });

  it('when a message overruns the task timeout, then it alone is a 503 and the messages behind it get a fresh thread', async () => {
    // Limits raised far beyond the defaults: 40,000 siblings take node-saml minutes (xpath's sort).
    const verifier = thread(settings({ maxElements: 1e6 }), { taskTimeoutMs: 6000 });
    await verifier.validateResponse(IDP, response(), null); // the thread is up
    const started = performance.now();
    const slow = verifier.validateResponse(IDP, response('<a/>'.repeat(40_000)), null);
    const behind = verifier.validateResponse(IDP, response(), null);
    await expect(slow).rejects.toMatchObject({
      code: 'dependency_unavailable',
      detail: expect.stringMatching(/took longer than 6000 ms/) as unknown,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    await expect(behind).resolves.toMatchObject({ nameId: 'alice@corp.example' });
  }, 30_000);

  it('when the verifier is closed with a message in flight, then that message is a 503', async () => {
    const verifier = thread(settings());
    const pending = verifier.validateResponse(IDP, response(), null);
    const outcome = expect(pending).rejects.toMatchObject({
      code: 'dependency_unavailable',
      detail: expect.stringMatching(/shutting down/) as unknown,
    });
    await verifier.close();
    await outcome;
  });
});
