import { readFileSync } from 'node:fs';
import { Router } from 'express';

const ASSETS = [
  { path: '/static/portal.js', file: 'portal.js', type: 'text/javascript; charset=utf-8' },
  { path: '/static/portal.css', file: 'portal.css', type: 'text/css; charset=utf-8' },
];

/**
 * The portal's script and stylesheet, read once from src/http/static (copied
 * to dist/http/static by `npm run build`). Same-origin, so the CSP's
 * script-src/style-src 'self' allow them and nothing else.
 */
export function staticAssets(): Router {
  const router = Router();
  for (const asset of ASSETS) {
    const body = readFileSync(new URL(`../static/${asset.file}`, import.meta.url));
    router.get(asset.path, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.type(asset.type).send(body);
    });
  }
  return router;
}
