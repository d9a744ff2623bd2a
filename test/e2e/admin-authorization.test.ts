import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { bearer } from '../support/cli-broker.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { waitFor } from '../support/wait.js';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** Every route the app serves under /api/v1/admin and /admin, read from Express itself so a new one cannot be forgotten here. */
function adminRoutes(app: Express): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const walk = (stack: RouteLayer[]) => {
    for (const layer of stack) {
      if (layer.route && /^\/(api\/v1\/)?admin(\/|$)/.test(layer.route.path)) {
        for (const method of Object.keys(layer.route.methods))
          if (method !== '_all') found.push({ method: method.toUpperCase(), path: layer.route.path });
      }
      if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
  return found;
}

/** Reads that need a query name one (a revocation preview of somebody). */
const QUERIES: Record<string, string> = {
  '/api/v1/admin/revocations/preview': '?user=demo:nobody',
  '/admin/revocations/confirm': '?user=demo:nobody',
};
const concrete = (path: string) => path.replace(/:id\b/g, '00000000-0000-0000-0000-000000000000') + (QUERIES[path] ?? '');
const READS = new Set(['GET', 'HEAD']);

describe('admin authorization', () => {
  let world: ExchangeWorld;
  let routes: { method: string; path: string }[];
  let alice: SignedIn; // auditor (aws-readonly is configured as an auditor group)
  let carol: SignedIn; // neither
  let bob: SignedIn; // admin (rolegate-admins)

  beforeAll(async () => {
    world = await startAdminWorld();
    routes = adminRoutes(world.app.t.app);
    [alice, bob, carol] = await Promise.all([world.signIn('alice'), world.signIn('bob'), world.signIn('carol')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when the route list is read from the app, then it covers the whole admin surface', () => {
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const expected of [
      'POST /api/v1/admin/access/apply',
      'GET /api/v1/admin/access/export',
      'PUT /api/v1/admin/roles/:id',
      'DELETE /api/v1/admin/mappings/:id',
      'GET /api/v1/admin/audit',
      'POST /api/v1/admin/revocations',
      'GET /api/v1/admin/revocations/preview',
      'GET /api/v1/admin/doctor',
      'GET /admin/revocations',
      'GET /admin/revocations/confirm',
      'POST /admin/revocations',
    ])
      expect(paths).toContain(expected);
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it('when nobody is signed in, then every admin API route answers 401 and every admin page redirects to sign-in', async () => {
    for (const { method, path } of routes.filter((r) => !r.path.startsWith('/api/'))) {
      const res = await fetch(`${world.app.url}${concrete(path)}`, { method, redirect: 'manual', headers: { accept: 'text/html' } });
      expect(res.status, `${method} ${path}`).toBe(303);
      expect(res.headers.get('location'), `${method} ${path}`).toMatch(/^\/login\?returnTo=/);
    }
    for (const { method, path } of routes.filter((r) => r.path.startsWith('/api/'))) {
      const res = await fetch(`${world.app.url}${concrete(path)}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(READS.has(method) ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('when a user outside the admin and auditor groups calls any admin route, then it is 403 problem+json', async () => {
    for (const { method, path } of routes) {
      const res = await carol.api(concrete(path), {
        method,
        ...(READS.has(method) ? {} : { body: {} }),
        headers: { accept: 'application/json' },
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('forbidden');
    }
    // Refusals are audited (written beside the answer, so poll until the last one is in).
    await waitFor(async () => {
      const refusals = (await (await bob.api('/api/v1/admin/audit?type=admin.denied&user=demo%3Acarol&limit=1000')).json()) as {
        events: unknown[];
      };
      return refusals.events.length >= routes.length ? true : undefined;
    }, 'every refusal to be audited');
  });

  it('when the same user calls with a CLI bearer token, then it is 403 as well', async () => {
    const { tokens } = await signedInCliHome(world, carol);
    for (const { method, path } of routes.filter((r) => r.path.startsWith('/api/'))) {
      const res = await fetch(`${world.app.url}${concrete(path)}`, {
        method,
        headers: { ...bearer(tokens.access_token), 'content-type': 'application/json' },
        ...(READS.has(method) ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('when an auditor reads (or plans, which changes nothing), then it is allowed; when an auditor writes, then it is 403', async () => {
    for (const { method, path } of routes) {
      const res = await alice.api(concrete(path), {
        method,
        ...(READS.has(method) ? {} : { body: {} }),
        headers: { accept: 'application/json' },
      });
      if (READS.has(method)) expect([200, 303, 404], `${method} ${path}`).toContain(res.status);
      // The empty body is refused as a body (400), not the auditor: plans are open to auditors.
      else if (method === 'POST' && path === '/api/v1/admin/access/plan') expect(res.status, `${method} ${path}`).toBe(400);
      else {
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toMatch(/read-only/);
      }
    }
  });

  it('when an admin writes with the session cookie but without the CSRF token, then it is 403; with it, the request goes through', async () => {
    const res = await bob.browser.request(`${world.app.url}/api/v1/admin/access/plan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ yaml: 'version: 1\n' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/CSRF/);
    expect((await bob.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: 'version: 1\n' } })).status).toBe(200);
  });

  it('when an admin reads any admin route, then none is refused', async () => {
    for (const { method, path } of routes.filter((r) => READS.has(r.method))) {
      const res = await bob.api(concrete(path), { headers: { accept: 'application/json' } });
      expect([200, 303, 404], `${method} ${path}`).toContain(res.status);
    }
  });
});
