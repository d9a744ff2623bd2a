import { randomBytes } from 'node:crypto';
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type SamlConfig } from '@node-saml/node-saml';
import { RolegateError } from '../../domain/errors.js';
import type { SamlAssertion, SamlGateway, SamlIdentityProvider } from '../../ports/saml-gateway.js';
import { readVerifiedAssertion } from './verified-assertion.js';
import { explainTimeFailure, precheckResponse } from './response-precheck.js';

export interface NodeSamlGatewayOptions {
  publicUrl: URL;
  clockSkewMs: number;
  maxAssertionAgeMs: number;
  maxResponseBytes: number;
  /** How long a request id stays answerable (the login transaction lifetime). */
  requestIdTtlMs: number;
}

/**
 * SamlGateway on @node-saml/node-saml, with the checks the library leaves to
 * us (docs: /work/shared/SECURITY-NOTES.md, items 1-9). node-saml is used
 * directly, not through passport-saml: the expected request id and the IdP
 * come from our own login transaction, and every refusal must become a
 * precise RolegateError rather than a passport failure string.
 */
export class NodeSamlGateway implements SamlGateway {
  constructor(private readonly options: NodeSamlGatewayOptions) {}

  acsUrl(slug: string): string {
    return this.#url(`/auth/saml/${encodeURIComponent(slug)}/acs`);
  }

  spEntityId(idp: SamlIdentityProvider): string {
    return idp.settings.spEntityId ?? this.#url(`/auth/saml/${encodeURIComponent(idp.slug)}/metadata`);
  }

  async authnRequestUrl(idp: SamlIdentityProvider, relayState: string | undefined): Promise<{ url: string; requestId: string }> {
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const saml = new SAML(this.#config(idp, requestId, { generateUniqueId: () => requestId }));
    const url = await saml.getAuthorizeUrlAsync(relayState ?? '', undefined, {});
    return { url, requestId };
  }

  async validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion> {
    const acsUrl = this.acsUrl(idp.slug);
    const xml = precheckResponse(samlResponse, { acsUrl, allowSha1: idp.settings.allowSha1, maxBytes: this.options.maxResponseBytes });
    const saml = new SAML(this.#config(idp, expectedRequestId));
    let result: Awaited<ReturnType<SAML['validatePostResponseAsync']>>;
    try {
      result = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    } catch (error) {
      const translated = translate(error, idp.slug);
      // node-saml folds every time failure of the subject confirmation into one message; say which.
      if (/no valid SubjectConfirmation/.test(translated.detail)) {
        const why = explainTimeFailure(xml, Date.now(), this.options.clockSkewMs, this.options.maxAssertionAgeMs);
        if (why) throw new RolegateError('assertion_invalid', { detail: why, cause: error });
      }
      throw translated;
    }
    if (!result.profile || result.loggedOut)
      throw new RolegateError('assertion_invalid', { detail: 'The SAML response carries no assertion' });
    return readVerifiedAssertion(result.profile, {
      idp,
      acsUrl,
      expectedRequestId,
      now: Date.now(),
      clockSkewMs: this.options.clockSkewMs,
    });
  }

  metadata(idp: SamlIdentityProvider): string {
    return new SAML(this.#config(idp, null)).generateServiceProviderMetadata(null, null);
  }

  #config(idp: SamlIdentityProvider, expectedRequestId: string | null, extra: Partial<SamlConfig> = {}): SamlConfig {
    const spEntityId = this.spEntityId(idp);
    return {
      entryPoint: idp.settings.ssoUrl,
      issuer: spEntityId,
      audience: spEntityId,
      callbackUrl: this.acsUrl(idp.slug),
      idpCert: idp.settings.certificates.map(toPem),
      idpIssuer: idp.settings.entityId,
      identifierFormat: idp.settings.nameIdFormat ?? null,
      disableRequestedAuthnContext: true,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: idp.settings.wantResponseSigned,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      acceptedClockSkewMs: this.options.clockSkewMs,
      maxAssertionAgeMs: this.options.maxAssertionAgeMs,
      validateInResponseTo: expectedRequestId === null ? ValidateInResponseTo.never : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: this.options.requestIdTtlMs,
      cacheProvider: onlyRequest(expectedRequestId),
      ...extra,
    };
  }

  #url(path: string): string {
    const base = this.options.publicUrl.href.endsWith('/') ? this.options.publicUrl.href : `${this.options.publicUrl.href}/`;
    return new URL(path.slice(1), base).href;
  }
}

/**
 * node-saml's request-id cache, narrowed to the one request this browser's
 * login transaction started (already consumed from Redis by the caller).
 * Any other InResponseTo is unknown.
 */
function onlyRequest(requestId: string | null): CacheProvider {
  return {
    saveAsync: (_key, value) => Promise.resolve({ value, createdAt: Date.now() }),
    getAsync: (key) => Promise.resolve(requestId !== null && key === requestId ? new Date().toISOString() : null),
    removeAsync: () => Promise.resolve(null),
  };
}

function toPem(certificate: string): string {
  if (certificate.includes('-----BEGIN')) return certificate.trim();
  const body = certificate.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----`;
}

const MESSAGES: [RegExp, (slug: string) => string][] = [
  [
    /^Invalid document signature/,
    (s) => `The SAML Response is not signed by a registered certificate of ${s} (a signed Response is required)`,
  ],
  [/^Invalid signature: multiple assertions/, () => 'The SAML response carries more than one assertion'],
  [
    /Too many signatures|too many transforms|ID cannot refer|Referenced node|signed references|ref URI/,
    () => 'The SAML signature structure is invalid (possible signature wrapping)',
  ],
  [
    /^Invalid signature|^Invalid top level signature|signature from encrypted/,
    (s) => `The SAML assertion is not signed by a registered certificate of ${s}`,
  ],
  [
    /^InResponseTo is not valid|SubjectInResponseTo is not valid|does not match subjectInResponseTo/,
    () => 'InResponseTo does not match the sign-in request this browser started',
  ],
  [
    /^InResponseTo is missing/,
    () => 'The SAML response has no InResponseTo, but this browser started a sign-in (unsolicited responses are not accepted here)',
  ],
  [/not yet valid/, () => 'The SAML assertion is not yet valid (NotBefore is in the future)'],
  [/assertion too old/, () => 'The SAML assertion is too old (IssueInstant older than saml.maxAssertionAgeMs)'],
  [/expired/, () => 'The SAML assertion has expired (NotOnOrAfter is in the past)'],
  [/No valid subject confirmation/, () => 'The SAML assertion has no valid SubjectConfirmation (expired or not yet valid)'],
  [/audience mismatch|AudienceRestriction/, () => 'The SAML assertion is not addressed to this service (wrong Audience)'],
  [/Missing SAML assertion|No assertion/, () => 'The SAML response carries no assertion'],
];

function translate(error: unknown, slug: string): RolegateError {
  if (error instanceof RolegateError) return error;
  if (error instanceof SamlStatusError) {
    return new RolegateError('assertion_invalid', {
      detail: `The IdP answered with an error status: ${error.message.slice(0, 200)}`,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, detail] of MESSAGES)
    if (pattern.test(message)) return new RolegateError('assertion_invalid', { detail: detail(slug), cause: error });
  return new RolegateError('assertion_invalid', { detail: 'The SAML response is malformed or incomplete', cause: error });
}
