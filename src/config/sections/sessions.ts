import { z } from 'zod';
import { integer } from '../fields.js';

export const sessions = z
  .strictObject({
    maxTtlMs: integer(60_000, 7 * 24 * 3_600_000)
      .default(8 * 3_600_000)
      .meta({
        env: ['ROLEGATE_SESSION_MAX_TTL_MS'],
        description:
          "Longest a login session lives. A session ends at the earlier of this and the IdP's own session expiry (OIDC id_token exp, SAML SessionNotOnOrAfter).",
      }),
    cookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'expected 1-40 letters, digits, _ or -' })
      .default('rolegate_session')
      .meta({
        env: ['ROLEGATE_SESSION_COOKIE'],
        description: 'Name of the session cookie. Over https it gets the __Host- prefix, Secure, HttpOnly and SameSite=Lax.',
      }),
    loginTimeoutMs: integer(30_000, 1_800_000)
      .default(300_000)
      .meta({
        env: ['ROLEGATE_LOGIN_TIMEOUT_MS'],
        description:
          'How long a started sign-in (state, nonce, PKCE verifier, SAML request id) waits for the IdP to answer; also how long a CLI consent page stays answerable. Five minutes by default: enough to type a password and answer an MFA prompt, short enough that abandoned sign-ins do not pile up in Redis.',
      }),
  })
  .prefault({});
