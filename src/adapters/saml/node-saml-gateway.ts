import { randomBytes } from 'node:crypto';
import { SAML, type SamlConfig } from '@node-saml/node-saml';
import type { Secret } from '../../domain/secret.js';
import type {
  SamlAssertion,
  SamlGateway,
  SamlIdentityProvider,
  SamlLogoutMessage,
  SamlLogoutRequest,
  SamlLogoutResponse,
} from '../../ports/saml-gateway.js';
import { nodeSamlConfig, spEntityIdOf, spUrls, type SpSettings } from './node-saml-config.js';
import { SamlVerifierThread, type VerifierThreadOptions } from './saml-verifier-thread.js';
import type { SamlVerification } from './saml-verifier.js';
import { spMetadata } from './sp-metadata.js';
import type { XmlLimits } from './xml-prescan.js';

export interface NodeSamlGatewayOptions {
  publicUrl: URL;
  clockSkewMs: number;
  maxAssertionAgeMs: number;
  /** Largest SAML message accepted over HTTP-POST (the body cap of the SAML endpoints). */
  maxResponseBytes: number;
  /** How long a request id stays answerable (the login transaction lifetime). */
  requestIdTtlMs: number;
  /** Shape limits every incoming message is pre-scanned against before it is parsed. */
  xmlLimits: XmlLimits;
  /** Our signing key pair, when configured: AuthnRequests and logout messages are then signed. */
  spSigning?: { privateKey: Secret; certificate: string };
  verifierThread?: VerifierThreadOptions;
}

const newRequestId = () => `_${randomBytes(20).toString('hex')}`;

/**
 * SamlGateway on @node-saml/node-saml, with the checks the library leaves to
 * us. node-saml is used directly, not through passport-saml: the expected
 * request id and the IdP come from our own login transaction, and every
 * refusal must become a precise RolegateError rather than a passport failure
 * string. Messages we build (requests, metadata) are made here; messages we
 * receive are verified on the verifier thread (saml-verifier.ts).
 */
export class NodeSamlGateway implements SamlGateway {
  readonly #options: NodeSamlGatewayOptions;
  readonly #sp: SpSettings;
  readonly #verifier: SamlVerification & { close(): Promise<void> };

  constructor(options: NodeSamlGatewayOptions) {
    this.#options = options;
    this.#sp = {
      publicUrl: options.publicUrl.href,
      clockSkewMs: options.clockSkewMs,
      maxAssertionAgeMs: options.maxAssertionAgeMs,
      requestIdTtlMs: options.requestIdTtlMs,
    };
    this.#verifier = new SamlVerifierThread(
      { ...this.#sp, maxMessageBytes: options.maxResponseBytes, xmlLimits: options.xmlLimits },
      options.verifierThread,
    );
  }

  acsUrl(slug: string): string {
    return spUrls(this.#sp.publicUrl, slug).acs;
  }

  spEntityId(idp: SamlIdentityProvider): string {
    return spEntityIdOf(this.#sp.publicUrl, idp);
  }

  async authnRequestUrl(
    idp: SamlIdentityProvider,
    relayState: string | undefined,
    options: { stepUp?: boolean } = {},
  ): Promise<{ url: string; requestId: string }> {
    const requestId = newRequestId();
    const context = idp.settings.stepUpAuthnContext;
    const stepUp: Partial<SamlConfig> = options.stepUp
      ? {
          forceAuthn: true,
          ...(context && context.length > 0
            ? { disableRequestedAuthnContext: false, authnContext: context, racComparison: 'minimum' as const }
            : {}),
        }
      : {};
    const saml = new SAML(this.#config(idp, requestId, { generateUniqueId: () => requestId, ...stepUp }));
    const url = await saml.getAuthorizeUrlAsync(relayState ?? '', undefined, {});
    return { url, requestId };
  }

  validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion> {
    return this.#verifier.validateResponse(idp, samlResponse, expectedRequestId);
  }

  validateLogoutRequest(idp: SamlIdentityProvider, message: SamlLogoutMessage): Promise<SamlLogoutRequest> {
    return this.#verifier.validateLogoutRequest(idp, message);
  }

  validateLogoutResponse(idp: SamlIdentityProvider, message: SamlLogoutMessage, expectedRequestId: string): Promise<SamlLogoutResponse> {
    return this.#verifier.validateLogoutResponse(idp, message, expectedRequestId);
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
  ): Promise<{ url: string; requestId: string } | null> {
    if (!idp.settings.sloUrl) return null;
    const requestId = newRequestId();
    const saml = new SAML(this.#config(idp, null, { generateUniqueId: () => requestId }));
    const user = {
      issuer: idp.settings.entityId,
      nameID: session.nameId,
      nameIDFormat: session.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      ...(session.sessionIndex ? { sessionIndex: session.sessionIndex } : {}),
    };
    return { url: await saml.getLogoutUrlAsync(user, '', {}), requestId };
  }

  metadata(idp: SamlIdentityProvider): string {
    return spMetadata(new SAML(this.#config(idp, null)), this.#options.spSigning?.certificate);
  }

  /** Stops the verifier thread. */
  close(): Promise<void> {
    return this.#verifier.close();
  }

  #config(idp: SamlIdentityProvider, expectedRequestId: string | null, extra: Partial<SamlConfig> = {}): SamlConfig {
    const signing = this.#options.spSigning;
    return nodeSamlConfig(idp, this.#sp, expectedRequestId, {
      ...(signing ? { privateKey: signing.privateKey.reveal(), publicCert: signing.certificate } : {}),
      ...extra,
    });
  }
}
