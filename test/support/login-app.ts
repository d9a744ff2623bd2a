import { createTestApp, listen, type TestApp } from './app.js';
import { freePort } from './ports.js';
import type { Clock } from '../../src/ports/clock.js';

/**
 * For tests that sign in hundreds of times from 127.0.0.1 within a minute: the per-address sign-in
 * limits out of the way (test/e2e/rate-limits-*.test.ts prove them with their defaults).
 */
export const MANY_SIGN_INS_FROM_ONE_ADDRESS: Record<string, string> = {
  ROLEGATE_RATE_LIMIT_LOGIN_STARTS_PER_IP: '0',
  ROLEGATE_RATE_LIMIT_LOGIN_CALLBACKS_PER_IP: '0',
  ROLEGATE_MAX_PENDING_LOGINS_PER_IP: '100000',
};

export interface RunningApp {
  t: TestApp;
  /** The public URL (http://127.0.0.1:<port>), which the app also listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * rolegate listening on a port chosen before it is built, so its public URL
 * (redirect URIs, ACS URLs) is known to the IdP peers up front.
 */
export async function startLoginApp(
  identityProviders: (publicUrl: string) => unknown[] | Promise<unknown[]>,
  env: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>) = {},
  options: { clock?: Clock } = {},
): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const t = await createTestApp(
    {
      ROLEGATE_PUBLIC_URL: url,
      ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify(await identityProviders(url)),
      // Evaluated after the IdP peers started: some settings (an STS endpoint) come from them.
      ...(typeof env === 'function' ? await env() : env),
    },
    options,
  );
  const server = await listen(t.app, port);
  return {
    t,
    url,
    close: async () => {
      await server.close();
      await t.close();
    },
  };
}

/** Audit rows of one type, oldest first. */
export async function auditRows(t: TestApp, type: string) {
  return t.deps.database.prisma.auditEvent.findMany({ where: { type }, orderBy: { id: 'asc' } });
}
