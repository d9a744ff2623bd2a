import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';

/** Cookie names and flags for one request: Secure and the __Host- prefix over https (or TLS ended by a trusted proxy). */
export interface CookiePolicy {
  secure: boolean;
  sessionCookie: string;
  loginCookie: string;
  /** Binds the IdP's SAML LogoutResponse to the sign-out this browser started. */
  logoutCookie: string;
}

export function cookiePolicy(req: { readonly secure: boolean }, publicUrl: URL, sessionCookieName: string): CookiePolicy {
  const secure = publicUrl.protocol === 'https:' || req.secure;
  const prefix = secure ? '__Host-' : '';
  return {
    secure,
    sessionCookie: `${prefix}${sessionCookieName}`,
    loginCookie: `${prefix}rolegate_login`,
    logoutCookie: `${prefix}rolegate_logout`,
  };
}

/** One cookie's value from the Cookie header (first occurrence), or undefined. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    if (part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return value.length > 0 && value.length <= 256 ? value : undefined;
    }
  }
  return undefined;
}

export function setSessionCookie(res: Response, policy: CookiePolicy, value: string, maxAgeMs: number): void {
  res.cookie(policy.sessionCookie, value, {
    httpOnly: true,
    secure: policy.secure,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeMs)),
  });
}

export function clearSessionCookie(res: Response, policy: CookiePolicy): void {
  res.clearCookie(policy.sessionCookie, { httpOnly: true, secure: policy.secure, sameSite: 'lax', path: '/' });
}

/**
 * The pre-login cookie. SAML IdPs answer with a cross-site POST, which only
 * carries SameSite=None cookies; browsers accept those only with Secure, so
 * over plain http (local demo) it falls back to Lax (OIDC callbacks are
 * top-level GETs and work either way).
 */
export function setLoginCookie(res: Response, policy: CookiePolicy, value: string, maxAgeMs: number): void {
  res.cookie(policy.loginCookie, value, {
    httpOnly: true,
    secure: policy.secure,
    sameSite: policy.secure ? 'none' : 'lax',
    path: '/',
    maxAge: maxAgeMs,
  });
}

export function clearLoginCookie(res: Response, policy: CookiePolicy): void {
  res.clearCookie(policy.loginCookie, { httpOnly: true, secure: policy.secure, sameSite: policy.secure ? 'none' : 'lax', path: '/' });
}

/** The SAML sign-out cookie: like the pre-login cookie, it must come back on the IdP's cross-site POST. */
export function setLogoutCookie(res: Response, policy: CookiePolicy, value: string, maxAgeMs: number): void {
  setLoginCookie(res, { ...policy, loginCookie: policy.logoutCookie }, value, maxAgeMs);
}

export function clearLogoutCookie(res: Response, policy: CookiePolicy): void {
  clearLoginCookie(res, { ...policy, loginCookie: policy.logoutCookie });
}
