import { SAML, SamlStatusError } from '@node-saml/node-saml';
import { RolegateError } from '../../domain/errors.js';
import type {
  SamlAssertion,
  SamlIdentityProvider,
  SamlLogoutMessage,
  SamlLogoutRequest,
  SamlLogoutResponse,
} from '../../ports/saml-gateway.js';
import { verifyLogoutRequest, verifyLogoutResponse, type LogoutContext } from './logout-messages.js';
import { nodeSamlConfig, spUrls, type SpSettings } from './node-saml-config.js';
import { explainTimeFailure, precheckResponse } from './response-precheck.js';
import { decodePostField, parseSamlMessage } from './saml-document.js';
import { readVerifiedAssertion } from './verified-assertion.js';
import type { XmlLimits } from './xml-prescan.js';

/** Everything the verifier needs; plain data, so that it can be handed to a worker thread. */
export interface SamlVerifierSettings extends SpSettings {
  /** Largest SAML message accepted over HTTP-POST, decoded. */
  maxMessageBytes: number;
  xmlLimits: XmlLimits;
}

/** What the verifier offers; the same whether it runs on this thread or on the verifier thread. */
export interface SamlVerification {
  validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion>;
  validateLogoutRequest(idp: SamlIdentityProvider, message: SamlLogoutMessage): Promise<SamlLogoutRequest>;
  validateLogoutResponse(idp: SamlIdentityProvider, message: SamlLogoutMessage, expectedRequestId: string): Promise<SamlLogoutResponse>;
}

/**
 * Verifies incoming SAML messages with node-saml and the checks the library
 * leaves to us. Each message is pre-scanned and parsed once by rolegate; every
 * check of ours reads that one document, while node-saml parses and verifies
 * on its own (its cost is bounded by the pre-scan limits). CPU-bound: it runs
 * on the verifier thread (saml-verifier-thread.ts), never on the event loop.
 */
export class SamlVerifier implements SamlVerification {
  readonly #settings: SamlVerifierSettings;

  constructor(settings: SamlVerifierSettings) {
    this.#settings = settings;
  }

  async validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion> {
    const { clockSkewMs, maxAssertionAgeMs } = this.#settings;
    const acsUrl = spUrls(this.#settings.publicUrl, idp.slug).acs;
    const xml = decodePostField(samlResponse, this.#settings.maxMessageBytes, 'SAML response');
    const root = parseSamlMessage(xml, this.#settings.xmlLimits, 'SAML response', 'Response');
    precheckResponse(root, { acsUrl, allowSha1: idp.settings.allowSha1 });
    const saml = new SAML(nodeSamlConfig(idp, this.#settings, expectedRequestId));
    let result: Awaited<ReturnType<SAML['validatePostResponseAsync']>>;
    try {
      result = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    } catch (error) {
      const translated = translate(error, idp.slug);
      // node-saml folds every time failure of the subject confirmation into one message; say which.
      if (/no valid SubjectConfirmation/.test(translated.detail)) {
        const why = explainTimeFailure(root, Date.now(), clockSkewMs, maxAssertionAgeMs);
        if (why) throw new RolegateError('assertion_invalid', { detail: why, cause: error });
      }
      throw translated;
    }
    if (!result.profile || result.loggedOut)
      throw new RolegateError('assertion_invalid', { detail: 'The SAML response carries no assertion' });
    return readVerifiedAssertion(result.profile, { idp, acsUrl, expectedRequestId, now: Date.now(), clockSkewMs });
  }

  validateLogoutRequest(idp: SamlIdentityProvider, message: SamlLogoutMessage): Promise<SamlLogoutRequest> {
    return verifyLogoutRequest(idp, message, this.#logoutContext());
  }

  validateLogoutResponse(idp: SamlIdentityProvider, message: SamlLogoutMessage, expectedRequestId: string): Promise<SamlLogoutResponse> {
    return verifyLogoutResponse(idp, message, expectedRequestId, this.#logoutContext());
  }

  #logoutContext(): LogoutContext {
    return { sp: this.#settings, limits: this.#settings.xmlLimits, maxPostBytes: this.#settings.maxMessageBytes, now: Date.now() };
  }
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
