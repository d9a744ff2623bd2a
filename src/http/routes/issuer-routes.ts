import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { IssuerMetadata } from '../../ports/assertion-issuer.js';

/** Published documents change only when keys rotate; a short max-age lets a rotation reach AWS within minutes. */
const CACHE_CONTROL = 'public, max-age=300';

/**
 * What AWS (and the local STS endpoint) fetch to trust rolegate:
 * - GET /saml/metadata: SAML IdP metadata, to create or update the IAM SAML provider;
 * - GET /.well-known/openid-configuration and /.well-known/jwks.json: the
 *   web-identity issuer's discovery document and public keys (IAM OIDC provider).
 * Public by design (they hold only public keys), cacheable, with a strong ETag.
 */
export function issuerRoutes(issuer: IssuerMetadata): Router {
  const router = Router();
  router.get('/saml/metadata', async (req, res) => {
    send(req, res, 'application/samlmetadata+xml; charset=utf-8', await issuer.samlMetadata());
  });
  router.get('/.well-known/openid-configuration', async (req, res) => {
    send(req, res, 'application/json; charset=utf-8', JSON.stringify(await issuer.openidConfiguration()));
  });
  router.get('/.well-known/jwks.json', async (req, res) => {
    send(req, res, 'application/jwk-set+json; charset=utf-8', JSON.stringify(await issuer.jwks()));
  });
  return router;
}

function send(req: Request, res: Response, type: string, body: string): void {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('ETag', etag);
  res.setHeader('Content-Type', type);
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}`)) {
    res.status(304).end();
    return;
  }
  res.status(200).send(body);
}
