import type { LoginSession } from '../sessions/session-store.js';
import type { LoginDeps, RequestContext } from './login-deps.js';
import { logout } from './logout.js';

/**
 * "Sign out everywhere": ends every browser session of the principal and
 * revokes every CLI session (grant) too, then continues like a plain logout.
 * A plain portal logout ends only this browser's session and leaves CLI
 * sessions alone (they are listed and revocable on their own).
 */
export async function logoutEverywhere(
  deps: LoginDeps,
  ctx: RequestContext,
  session: LoginSession,
  revokeCliGrantsOf: (principalId: string, ctx: RequestContext) => Promise<number>,
): Promise<{ redirectUrl: string; logoutTransactionId?: string; sessionsEnded: number; cliSessionsRevoked: number }> {
  const cliSessionsRevoked = await revokeCliGrantsOf(session.principal.id, ctx);
  const sessionsEnded = await deps.sessions.endAllSessionsOf(session.principal.id);
  const loggedOut = await logout(deps, ctx, session);
  ctx.log.info(
    { event: 'logout', everywhere: true, subject: session.principal.id, sessionsEnded, cliSessionsRevoked },
    'signed out everywhere',
  );
  return { ...loggedOut, sessionsEnded, cliSessionsRevoked };
}
