import type { Secret } from '../domain/secret.js';

/**
 * The AWS console federation endpoint's `getSigninToken` call. Implementations
 * translate every failure into a RolegateError: `federation_failed` (502) when
 * the endpoint answered with an error, `dependency_unavailable` (503) when it
 * could not be reached in time. The token is a bearer secret: never logged.
 */
export interface FederationGateway {
  /** POSTs `body` (a form holding the session credentials) to `url`; resolves with the SigninToken. */
  getSigninToken(request: { url: string; body: Secret }): Promise<Secret>;
}
