import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { RolegateError } from '../../domain/errors.js';
import { isLoopbackUrl } from '../../domain/identity-provider.js';
import { isPlainHttp } from '../../domain/plain-http.js';
import type { Secret } from '../../domain/secret.js';
import type { Logger } from '../../ports/logger.js';
import type { OidcGateway, OidcIdentityProvider, OidcSignIn } from '../../ports/oidc-gateway.js';

export interface OpenidClientGatewayOptions {
  /** OIDC client secrets by IdP slug (from configuration; never from the database). */
  clientSecrets: ReadonlyMap<string, Secret>;
  discoveryTtlMs: number;
  httpTimeoutMs: number;
  /** Production mode refuses plain-http issuers whatever an IdP's settings say, unless allowInsecureLoopback. */
  production: boolean;
  /** The operator's opt-in (allowInsecureLoopback) to plain-http loopback issuers in production mode. */
  allowInsecureLoopback?: boolean;
  logger: Logger;
  /** How long one JWKS fetch serves the code exchanges that follow it (default JWKS_REUSE_MS); 0 fetches it for each. */
  jwksReuseMs?: number;
  /** Told what each discovery fetch found (a failure only when no earlier document can stand in). */
  onDiscovery?: (slug: string, outcome: { ok: true } | { ok: false; reason: string }) => void;
}

interface CachedConfiguration {
  fingerprint: string;
  fetchedAt: number;
  configuration: Promise<client.Configuration>;
}

/**
 * OidcGateway on openid-client v6. Discovery documents are cached per IdP and
 * refreshed after `discoveryTtlMs` (a failed refresh keeps the last good one);
 * id_token signatures are checked against the IdP's JWKS, which openid-client
 * re-fetches when a token names an unknown `kid` (key rotation). passport is
 * not used: its openid-client strategy keeps state in `req.session`, and we
 * keep state, nonce and the PKCE verifier in our own login transaction.
 */
export class OpenidClientGateway implements OidcGateway {
  readonly #cache = new Map<string, CachedConfiguration>();
  /** Per IdP slug, the Configuration code exchanges use while its JWKS is fresh (#exchangeConfiguration). */
  readonly #exchange = new Map<string, ExchangeEntry>();
  /** The fingerprint of each settings object seen (#fingerprintOf); dropped with the object. */
  readonly #fingerprints = new WeakMap<object, string>();

  constructor(private readonly options: OpenidClientGatewayOptions) {}

  async authorizationUrl(
    idp: OidcIdentityProvider,
    request: { redirectUri: string; state: string; nonce: string; codeChallenge: string; stepUp?: boolean },
  ): Promise<URL> {
    const configuration = await this.#configuration(idp);
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: request.redirectUri,
      scope: idp.settings.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      // OpenID Connect Core 1.0 §3.1.2.1: prompt=login re-authenticates, max_age=0 makes the IdP
      // report auth_time (checked fresh by the step-up, step-up.ts).
      ...(request.stepUp
        ? {
            prompt: 'login',
            max_age: '0',
            ...(idp.settings.stepUpAcrValues === undefined ? {} : { acr_values: idp.settings.stepUpAcrValues }),
          }
        : {}),
    });
  }

  async completeAuthorization(
    idp: OidcIdentityProvider,
    callback: { currentUrl: URL; expectedState: string; expectedNonce: string; codeVerifier: string; fetchUserinfo: boolean },
  ): Promise<OidcSignIn> {
    // An error answer from the IdP (e.g. access_denied) is a refusal, not a fault.
    const idpError = callback.currentUrl.searchParams.get('error');
    if (idpError !== null && callback.currentUrl.searchParams.get('state') === callback.expectedState) {
      const description = callback.currentUrl.searchParams.get('error_description');
      throw new RolegateError('assertion_invalid', {
        detail: `The IdP refused the sign-in: ${idpError.slice(0, 100)}${description ? ` (${description.slice(0, 200)})` : ''}`,
      });
    }
    let configuration: client.Configuration;
    try {
      configuration = await this.#exchangeConfiguration(idp, await this.#configuration(idp));
    } catch (error) {
      throw translate(error, idp.slug, 'the JWKS');
    }
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, callback.currentUrl, {
        pkceCodeVerifier: callback.codeVerifier,
        expectedState: callback.expectedState,
        expectedNonce: callback.expectedNonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw translate(error, idp.slug, 'the token response');
    }
    const claims = tokens.claims();
    if (!claims) throw new RolegateError('assertion_invalid', { detail: 'The token response carries no id_token' });
    const refreshExpiresIn = (tokens as { refresh_expires_in?: unknown }).refresh_expires_in;
    const signIn: OidcSignIn = {
      claims: { ...claims },
      ...(typeof refreshExpiresIn === 'number' && refreshExpiresIn > 0 ? { sessionExpiresAt: Date.now() + refreshExpiresIn * 1000 } : {}),
    };
    if (callback.fetchUserinfo) {
      try {
        signIn.userinfo = { ...(await client.fetchUserInfo(configuration, tokens.access_token, claims.sub)) };
      } catch (error) {
        throw translate(error, idp.slug, 'the userinfo response');
      }
    }
    return signIn;
  }

  async logoutUrl(idp: OidcIdentityProvider, postLogoutRedirectUri: string): Promise<URL | null> {
    const configuration = await this.#configuration(idp);
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(configuration, { post_logout_redirect_uri: postLogoutRedirectUri, client_id: idp.settings.clientId });
  }

  async discover(idp: OidcIdentityProvider): Promise<void> {
    await this.#configuration(idp);
  }

  /** The discovered configuration, from cache while fresh; a failed refresh falls back to the last good one. */
  async #configuration(idp: OidcIdentityProvider): Promise<client.Configuration> {
    const fingerprint = this.#fingerprintOf(idp.settings);
    const cached = this.#cache.get(idp.slug);
    const now = Date.now();
    if (cached?.fingerprint === fingerprint && now - cached.fetchedAt < this.options.discoveryTtlMs) {
      try {
        return await cached.configuration;
      } catch {
        // The cached attempt failed: fetch again below.
      }
    }
    const attempt = this.#discover(idp);
    attempt.catch(() => undefined);
    this.#cache.set(idp.slug, { fingerprint, fetchedAt: now, configuration: attempt });
    try {
      const configuration = await attempt;
      this.options.onDiscovery?.(idp.slug, { ok: true });
      return configuration;
    } catch (error) {
      if (cached?.fingerprint === fingerprint) {
        const stale = await cached.configuration.catch(() => undefined);
        if (stale) {
          this.#cache.set(idp.slug, cached);
          this.options.logger.warn(
            { idp: idp.slug, reason: (error as Error).message },
            'OIDC discovery refresh failed; using the cached document',
          );
          return stale;
        }
      }
      this.#cache.delete(idp.slug);
      this.options.onDiscovery?.(idp.slug, { ok: false, reason: (error as Error).message });
      throw error;
    }
  }

  /**
   * What identifies these settings (a change means discovering again). The IdP store answers
   * with the same settings object while it is cached, so the hash is made once per object, not
   * at every sign-in start and callback.
   */
  #fingerprintOf(settings: OidcIdentityProvider['settings']): string {
    let fingerprint = this.#fingerprints.get(settings);
    if (fingerprint === undefined) {
      fingerprint = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
      this.#fingerprints.set(settings, fingerprint);
    }
    return fingerprint;
  }

  /**
   * The Configuration a code exchange uses, with the IdP's JWKS fetched less
   * than JWKS_REUSE_MS ago. The JWKS is fetched when the Configuration is
   * made, so a key the IdP removed is refused within a second; exchanges in
   * that second share it, and the key openid-client imports from it (one JWKS
   * request per second under load, not one per sign-in, and no key import and
   * first use per sign-in: about 0.3 ms of CPU each). A key the IdP just
   * rotated in is accepted at once: openid-client fetches the JWKS again when
   * an id_token names a key not in it and its copy is at least 60 s old
   * (oauth4webapi getPublicSigKeyFromIssuerJwksUri), so the copy handed to it
   * is dated 60 s back; the Configuration that had to fetch again is replaced
   * for the next exchange. test/e2e/oidc-rejections.test.ts rotates a key.
   */
  async #exchangeConfiguration(idp: OidcIdentityProvider, discovered: client.Configuration): Promise<client.Configuration> {
    const entry = this.#exchange.get(idp.slug);
    if (entry?.discovered === discovered) {
      if (!entry.state) return (await entry.building).configuration;
      if (!entry.state.stale && Date.now() - entry.state.fetchedAt < (this.options.jwksReuseMs ?? JWKS_REUSE_MS))
        return entry.state.configuration;
    }
    const next: ExchangeEntry = { discovered, building: this.#withJwks(idp, discovered) };
    this.#exchange.set(idp.slug, next);
    next.building.then(
      (state) => (next.state = state),
      () => {
        if (this.#exchange.get(idp.slug) === next) this.#exchange.delete(idp.slug);
      },
    );
    return (await next.building).configuration;
  }

  /** A Configuration from the discovered document, with the IdP's JWKS fetched now. */
  async #withJwks(idp: OidcIdentityProvider, discovered: client.Configuration): Promise<ExchangeState> {
    const metadata = discovered.serverMetadata();
    const fetchedAt = Date.now();
    const jwks = await this.#fetchJwks(idp, metadata);
    const configuration = new client.Configuration(
      metadata,
      idp.settings.clientId,
      { id_token_signed_response_alg: idp.settings.idTokenSignedResponseAlg },
      this.#authentication(idp),
    );
    configuration.timeout = Math.ceil(this.options.httpTimeoutMs / 1000);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- loopback test/demo issuers only, see #discover
    if (this.#insecure(idp)) client.allowInsecureRequests(configuration);
    client.enableNonRepudiationChecks(configuration);
    const state: ExchangeState = { discovered, configuration, fetchedAt, stale: false };
    client.setJwksCache(configuration, { jwks, uat: Math.floor(fetchedAt / 1000) - 60 });
    const jwksUri = new URL(metadata.jwks_uri ?? '').href;
    configuration[client.customFetch] = (url, options) => {
      if (url === jwksUri) state.stale = true;
      return fetch(url, options as RequestInit);
    };
    return state;
  }

  /** The IdP's JWK Set, as openid-client would fetch it (https unless a loopback issuer is allowed plain http). */
  async #fetchJwks(idp: OidcIdentityProvider, metadata: client.ServerMetadata): Promise<client.JWKS> {
    if (metadata.jwks_uri === undefined) throw new Error('the discovery document has no jwks_uri');
    const url = new URL(metadata.jwks_uri);
    if (url.protocol !== 'https:' && !this.#insecure(idp)) throw new Error('the jwks_uri is not https');
    const answer = await fetch(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.httpTimeoutMs),
    });
    if (answer.status !== 200) {
      await answer.body?.cancel();
      throw Object.assign(new Error(`the JWKS endpoint answered HTTP ${String(answer.status)}`), { status: answer.status });
    }
    const jwks: unknown = await answer.json().catch(() => undefined);
    if (!isJsonObject(jwks) || !Array.isArray(jwks.keys) || !jwks.keys.every(isJsonObject)) {
      throw new Error('the JWKS endpoint did not answer with a JWK Set');
    }
    return jwks as unknown as client.JWKS;
  }

  #insecure(idp: OidcIdentityProvider): boolean {
    const { settings } = idp;
    const allowedHere = !this.options.production || this.options.allowInsecureLoopback === true;
    return settings.allowInsecureLoopbackIssuer && allowedHere && isPlainHttp(settings.issuer) && isLoopbackUrl(settings.issuer);
  }

  #authentication(idp: OidcIdentityProvider): client.ClientAuth {
    const { settings } = idp;
    const secret = this.options.clientSecrets.get(idp.slug)?.reveal();
    if (settings.tokenEndpointAuthMethod === 'none') return client.None();
    if (secret === undefined) {
      throw new RolegateError('dependency_unavailable', { detail: `Identity provider ${idp.slug} has no client secret configured` });
    }
    return settings.tokenEndpointAuthMethod === 'client_secret_post' ? client.ClientSecretPost(secret) : client.ClientSecretBasic(secret);
  }

  async #discover(idp: OidcIdentityProvider): Promise<client.Configuration> {
    const { settings } = idp;
    const insecure = this.#insecure(idp);
    const authentication = this.#authentication(idp);
    try {
      const configuration = await client.discovery(
        new URL(settings.issuer),
        settings.clientId,
        { id_token_signed_response_alg: settings.idTokenSignedResponseAlg },
        authentication,
        {
          timeout: Math.ceil(this.options.httpTimeoutMs / 1000),
          // Deprecated only as a warning sign; gated to loopback issuers outside production (openid-client v6 allowInsecureRequests: https://github.com/panva/openid-client/blob/main/docs/functions/allowInsecureRequests.md).
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        },
      );
      // Verify id_token signatures against the JWKS even though the token came over TLS.
      client.enableNonRepudiationChecks(configuration);
      return configuration;
    } catch (error) {
      const cause = describe(error);
      throw new RolegateError('dependency_unavailable', {
        detail: `Identity provider ${idp.slug} cannot be reached (OIDC discovery at ${settings.issuer} failed: ${cause})`,
        cause: error,
      });
    }
  }
}

/** How long one JWKS fetch serves the code exchanges that follow it (see #exchangeConfiguration). */
export const JWKS_REUSE_MS = 1000;

interface ExchangeState {
  /** The discovered configuration it was made from: a new discovery document means a new state. */
  discovered: client.Configuration;
  configuration: client.Configuration;
  fetchedAt: number;
  /** openid-client fetched the JWKS again on it (an id_token named a key it lacked): the next exchange makes a new one. */
  stale: boolean;
}

interface ExchangeEntry {
  discovered: client.Configuration;
  building: Promise<ExchangeState>;
  state?: ExchangeState;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** openid-client's errors → RolegateError: unreachable IdP (503) versus rejected response (401). */
function translate(error: unknown, slug: string, what: string): RolegateError {
  if (error instanceof RolegateError) return error;
  if (isUnreachable(error)) {
    return new RolegateError('dependency_unavailable', {
      detail: `Identity provider ${slug} cannot be reached (${describe(error)})`,
      cause: error,
    });
  }
  if (error instanceof client.ResponseBodyError) {
    return new RolegateError('assertion_invalid', {
      detail: `The IdP rejected the code exchange: ${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`,
      cause: error,
    });
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new RolegateError('assertion_invalid', { detail: `The IdP refused the sign-in: ${error.error}`, cause: error });
  }
  return new RolegateError('assertion_invalid', {
    detail: `The OIDC sign-in was rejected while checking ${what}: ${describe(error)}`,
    cause: error,
  });
}

function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e instanceof TypeError && /fetch failed/.test(e.message)) return true;
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 500) return true;
    const response = (e as { cause?: unknown }).cause;
    if (response instanceof Response && response.status >= 500) return true;
  }
  return false;
}

/** The error's message and its causes' messages, short and without stack traces. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (!parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ').slice(0, 300) || 'unknown error';
}
