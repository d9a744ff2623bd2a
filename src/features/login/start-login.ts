import { createHash, randomBytes } from 'node:crypto';
import { RolegateError } from '../../domain/errors.js';
import type { IdentityProvider } from '../../domain/identity-provider.js';
import type { Principal } from '../../domain/principal.js';
import { safeReturnTo } from '../../domain/return-to.js';
import { publicUrlFor, type LoginDeps } from './login-deps.js';
import type { LoginStarter } from './login-transactions.js';
import type { StepUpRequest } from './step-up.js';

const random = () => randomBytes(32).toString('base64url');

/** The enabled IdP of that kind and slug, or a 404 that says so. */
export async function enabledProvider<K extends IdentityProvider['kind']>(
  deps: Pick<LoginDeps, 'idps'>,
  kind: K,
  slug: string,
): Promise<Extract<IdentityProvider, { kind: K }>> {
  const idp = await deps.idps.findBySlug(slug);
  if (!idp || idp.kind !== kind || !idp.enabled) {
    throw new RolegateError('not_found', { detail: `No enabled ${kind.toUpperCase()} identity provider named ${slug}` });
  }
  return idp as Extract<IdentityProvider, { kind: K }>;
}

export function oidcRedirectUri(publicUrl: URL, slug: string): string {
  return publicUrlFor(publicUrl, `/auth/oidc/${encodeURIComponent(slug)}/callback`);
}

/**
 * Starts a sign-in: a fresh state, nonce and PKCE verifier (OIDC) or a SAML
 * request id, kept server-side with the validated return path, bound to the
 * browser by the returned transaction id (a cookie). The login record counts
 * against the starter's pending sign-ins until the callback takes it (429 when
 * there are too many: see LoginTransactions).
 */
export async function startLogin(
  deps: Pick<LoginDeps, 'idps' | 'oidc' | 'saml' | 'transactions' | 'clock' | 'publicUrl'>,
  kind: IdentityProvider['kind'],
  slug: string,
  requestedReturnTo: unknown,
  starter: LoginStarter,
  /** A step-up (step-up.ts): the IdP must authenticate again; the answer must be this user. */
  stepUp?: StepUpRequest,
): Promise<{ redirectUrl: string; transactionId: string }> {
  const returnTo = safeReturnTo(requestedReturnTo);
  const createdAt = deps.clock.now();
  if (kind === 'oidc') {
    const idp = await enabledProvider(deps, 'oidc', slug);
    const state = random();
    const nonce = random();
    const codeVerifier = random();
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const url = await deps.oidc.authorizationUrl(idp, {
      redirectUri: oidcRedirectUri(deps.publicUrl, slug),
      state,
      nonce,
      codeChallenge,
      ...(stepUp ? { stepUp: true } : {}),
    });
    const transactionId = await deps.transactions.begin(
      { kind: 'oidc', idp: slug, state, nonce, codeVerifier, returnTo, createdAt, ...(stepUp ? { stepUp } : {}) },
      starter,
    );
    return { redirectUrl: url.href, transactionId };
  }
  const idp = await enabledProvider(deps, 'saml', slug);
  // RelayState carries nothing the ACS trusts: the return path stays server-side.
  const { url, requestId } = await deps.saml.authnRequestUrl(idp, undefined, stepUp ? { stepUp: true } : {});
  const transactionId = await deps.transactions.begin(
    { kind: 'saml', idp: slug, requestId, returnTo, createdAt, ...(stepUp ? { stepUp } : {}) },
    starter,
  );
  return { redirectUrl: url, transactionId };
}

/**
 * Starts a step-up for a signed-in session: a fresh sign-in at the session's
 * own IdP (prompt=login/max_age=0, or ForceAuthn), coming back to `returnTo`.
 * The callback replaces the session's principal only when the same user
 * signed in again, freshly and with MFA (checkStepUp).
 */
export async function startStepUp(
  deps: Pick<LoginDeps, 'idps' | 'oidc' | 'saml' | 'transactions' | 'clock' | 'publicUrl'>,
  principal: Principal,
  returnTo: string,
  starter: LoginStarter,
): Promise<{ redirectUrl: string; transactionId: string }> {
  const idp = await deps.idps.findBySlug(principal.idp);
  if (!idp?.enabled) {
    throw new RolegateError('not_found', { detail: `The identity provider you signed in with (${principal.idp}) is no longer enabled` });
  }
  return startLogin(deps, idp.kind, idp.slug, returnTo, starter, { principalId: principal.id });
}
