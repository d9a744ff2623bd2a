import { Router, type Request, type Response } from 'express';
import { DEVICE_CODE_GRANT_TYPE, type AuthorizationServerMetadata } from '../../contracts/cli-auth.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import { issuerOf, type CliAuthDeps } from '../../features/cli-auth/cli-auth-deps.js';
import { startDeviceAuthorization } from '../../features/cli-auth/device-flow.js';
import { pollDeviceToken } from '../../features/cli-auth/device-token.js';
import { exchangeAuthorizationCode } from '../../features/cli-auth/exchange-code.js';
import { refreshGrant } from '../../features/cli-auth/refresh-grant.js';
import { revokeToken } from '../../features/cli-auth/revoke.js';
import { publicUrlFor } from '../../features/login/login-deps.js';
import type { Limits } from '../../features/rate-limits/limits.js';
import { requestContext } from '../auth/request-context.js';
import { byClientAddress, rateLimit } from '../middleware/rate-limit.js';
import { formParams, oauthErrorHandler, oauthFormParser } from './oauth-form.js';

const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store').setHeader('Pragma', 'no-cache');

/**
 * The machine-facing endpoints of rolegate's authorization server for its CLI:
 * metadata (RFC 8414), token (RFC 6749 §3.2, RFC 7636, RFC 8628 §3.4),
 * device authorization (RFC 8628 §3.1) and revocation (RFC 7009). Errors are
 * OAuth JSON. Thin: parse the form, call a feature, answer. The token and
 * device authorization endpoints are rate limited (a refusal is 429 with
 * Retry-After: slow_down for a device-code poll, temporarily_unavailable else).
 */
export function oauthApiRoutes(deps: CliAuthDeps, limits: Limits): Router {
  const router = Router();
  const url = (path: string) => publicUrlFor(deps.publicUrl, path);
  // Per client_id and address: a client name is not a secret, so the address keeps one
  // host from spending everyone's budget, and the client keeps one office NAT's CLI apart from another client's.
  const byClientAndAddress = (req: Request) => `${formParams(req).client_id?.slice(0, 64) ?? ''} ${byClientAddress(req)}`;

  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    const metadata: AuthorizationServerMetadata = {
      issuer: issuerOf(deps.publicUrl),
      authorization_endpoint: url('/oauth/authorize'),
      token_endpoint: url('/oauth/token'),
      device_authorization_endpoint: url('/oauth/device_authorization'),
      revocation_endpoint: url('/oauth/revoke'),
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT_TYPE],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      authorization_response_iss_parameter_supported: true,
      rolegate: { api: url('/api/v1') },
    };
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(metadata);
  });

  router.post('/oauth/token', oauthFormParser, rateLimit(limits, 'oauthTokenRequestsPerClientIp', byClientAndAddress), async (req, res) => {
    const p = formParams(req);
    const ctx = requestContext(req);
    const clientId = p.client_id;
    let tokens;
    switch (p.grant_type) {
      case 'authorization_code':
        tokens = await exchangeAuthorizationCode(deps, ctx, {
          clientId,
          code: p.code,
          redirectUri: p.redirect_uri,
          codeVerifier: p.code_verifier,
          deviceName: p.device_name,
        });
        break;
      case 'refresh_token':
        tokens = await refreshGrant(deps, ctx, { clientId, refreshToken: p.refresh_token });
        break;
      case DEVICE_CODE_GRANT_TYPE:
        tokens = await pollDeviceToken(deps, ctx, { clientId, deviceCode: p.device_code });
        break;
      case undefined:
        throw oauthError('invalid_request', 'grant_type is required');
      default:
        throw oauthError('unsupported_grant_type', `grant_type ${p.grant_type.slice(0, 80)} is not supported`);
    }
    noStore(res);
    res.json(tokens);
  });

  router.post('/oauth/device_authorization', rateLimit(limits, 'deviceAuthorizationsPerIp'), oauthFormParser, async (req, res) => {
    const p = formParams(req);
    const answer = await startDeviceAuthorization(deps, requestContext(req), { clientId: p.client_id, deviceName: p.device_name });
    noStore(res);
    res.json(answer);
  });

  router.post('/oauth/revoke', oauthFormParser, async (req, res) => {
    const p = formParams(req);
    await revokeToken(deps, requestContext(req), { clientId: p.client_id, token: p.token, tokenTypeHint: p.token_type_hint });
    noStore(res);
    res.status(200).end();
  });

  router.use(oauthErrorHandler());
  return router;
}
