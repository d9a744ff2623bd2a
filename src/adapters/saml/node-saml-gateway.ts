import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type SamlConfig } from '@node-saml/node-saml';
import { RolegateError } from '../../domain/errors.js';
import type { Secret } from '../../domain/secret.js';
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
  /** Our signing key pair, when configured: AuthnRequests and logout messages are then signed. */
  spSigning?: { privateKey: Secret; certificate: string };
}

const MAX_INFLATED_BYTES = 65_536;
const REDIRECT_SIG_ALGS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const SHA1_SIG_ALG = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const rejectLogout = (detail: string) => new RolegateError('assertion_invalid', { detail });

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

  async validateLogoutRequest(
    idp: SamlIdentityProvider,
    query: Record<string, string>,
    rawQuery: string,
  ): Promise<{ requestId: string; nameId: string; sessionIndex?: string }> {
    const { SAMLRequest: message, Signature: signature, SigAlg: sigAlg } = query;
    if (!message) throw rejectLogout('Expected an HTTP-Redirect SAMLRequest');
    // node-saml processes unsigned redirect-binding logout requests (node-saml #419): we do not.
    if (!signature || !sigAlg) throw rejectLogout('The SAML LogoutRequest is not signed (Signature and SigAlg are required)');
    if (!REDIRECT_SIG_ALGS.has(sigAlg) && !(idp.settings.allowSha1 && sigAlg === SHA1_SIG_ALG)) {
      throw rejectLogout(
        `The SAML LogoutRequest uses SigAlg ${sigAlg.slice(0, 100)}, which is not accepted (SHA-256 or stronger required)`,
      );
    }
    let xml: string;
    try {
      xml = inflateRawSync(Buffer.from(message, 'base64'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    } catch {
      throw rejectLogout('The SAML LogoutRequest is not a deflated message of at most 64 KiB');
    }
    if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw rejectLogout('The SAML LogoutRequest contains a DOCTYPE or entity declaration');
    const saml = new SAML(this.#config(idp, null));
    let result: Awaited<ReturnType<SAML['validateRedirectAsync']>>;
    try {
      result = await saml.validateRedirectAsync(query, rawQuery);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw rejectLogout(
        /query signature/i.test(message)
          ? `The SAML LogoutRequest is not signed by a registered certificate of ${idp.slug}`
          : /issuer/i.test(message)
            ? `The SAML LogoutRequest does not come from the entityID of ${idp.slug}`
            : /expired|not yet valid/i.test(message)
              ? 'The SAML LogoutRequest is outside its validity window'
              : 'The SAML LogoutRequest is malformed',
      );
    }
    const profile = result.profile;
    if (!profile?.ID || typeof profile.nameID !== 'string' || profile.nameID === '')
      throw rejectLogout('The SAML LogoutRequest names no NameID');
    return { requestId: profile.ID, nameId: profile.nameID, ...(profile.sessionIndex ? { sessionIndex: profile.sessionIndex } : {}) };
  }

  async logoutResponseUrl(idp: SamlIdentityProvider, requestId: string, relayState: string | undefined): Promise<string | null> {
    if (!idp.settings.sloUrl) return null;
    const saml = new SAML(this.#config(idp, null));
    const request = { ID: requestId, issuer: idp.settings.entityId, nameID: '', nameIDFormat: '' };
    return saml.getLogoutResponseUrlAsync(request, relayState ?? '', {}, true);
  }

  async logoutRequestUrl(
    idp: SamlIdentityProvider,
    session: { nameId: string; nameIdFormat?: string; sessionIndex?: string },
  ): Promise<string | null> {
    if (!idp.settings.sloUrl) return null;
    const saml = new SAML(this.#config(idp, null));
    const user = {
      issuer: idp.settings.entityId,
      nameID: session.nameId,
      nameIDFormat: session.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      ...(session.sessionIndex ? { sessionIndex: session.sessionIndex } : {}),
    };
    return saml.getLogoutUrlAsync(user, '', {});
  }

  metadata(idp: SamlIdentityProvider): string {
    const certificate = this.options.spSigning?.certificate;
    return new SAML(this.#config(idp, null)).generateServiceProviderMetadata(null, certificate ? [certificate] : null);
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
      // Either signature suffices by default: node-saml then reads the assertion from the signed bytes.
      wantAssertionsSigned: idp.settings.wantAssertionSigned,
      wantAuthnResponseSigned: idp.settings.wantResponseSigned,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      acceptedClockSkewMs: this.options.clockSkewMs,
      maxAssertionAgeMs: this.options.maxAssertionAgeMs,
      validateInResponseTo: expectedRequestId === null ? ValidateInResponseTo.never : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: this.options.requestIdTtlMs,
      cacheProvider: onlyRequest(expectedRequestId),
      logoutUrl: idp.settings.sloUrl ?? idp.settings.ssoUrl,
      logoutCallbackUrl: this.#url(`/auth/saml/${encodeURIComponent(idp.slug)}/slo`),
      ...(this.options.spSigning
        ? { privateKey: this.options.spSigning.privateKey.reveal(), publicCert: this.options.spSigning.certificate }
        : {}),
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
