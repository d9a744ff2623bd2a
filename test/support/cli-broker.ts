import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { Browser, formAction, formField } from './browser.js';
import { startLoginApp, type RunningApp } from './login-app.js';

/** rolegate (with the real OIDC peer as its corporate IdP `corp`), ready to act as the CLI's authorization server. */
export interface CliBroker {
  app: RunningApp;
  peer: OidcPeer;
  url: string;
  close(): Promise<void>;
}

export async function startCliBroker(env: Record<string, string> = {}): Promise<CliBroker> {
  let peer: OidcPeer | undefined;
  const app = await startLoginApp(
    async (publicUrl) => {
      peer = await startOidcPeer({ redirectUris: [`${publicUrl}/auth/oidc/corp/callback`] });
      return [
        {
          slug: 'corp',
          displayName: 'Corp SSO',
          kind: 'oidc',
          groupsFrom: 'groups',
          settings: { issuer: peer.issuer, clientId: peer.clientId, allowInsecureLoopbackIssuer: true },
          clientSecret: peer.clientSecret,
        },
      ];
    },
    {
      ROLEGATE_CLI_DEVICE_POLL_INTERVAL_S: '1',
      // Every CLI test signs in from 127.0.0.1, more often than one person would in a minute.
      ROLEGATE_RATE_LIMIT_DEVICE_AUTHORIZATIONS_PER_IP: '1000',
      ...env,
    },
  );
  if (!peer) throw new Error('the OIDC peer did not start');
  const started = peer;
  return {
    app,
    peer: started,
    url: app.url,
    close: async () => {
      await app.close();
      await started.close();
    },
  };
}

/** A browser signed in to rolegate as `user` through the OIDC peer (login and consent forms, like a person). */
export async function signedInBrowser(broker: CliBroker, user: string): Promise<Browser> {
  const browser = new Browser();
  const isCallback = (u: string) => u.startsWith(`${broker.url}/auth/oidc/corp/callback`);
  const start = await browser.follow(`${broker.url}/auth/oidc/corp/login`, { stopAt: (u) => u.includes('/interaction/') || isCallback(u) });
  let step = start;
  if (!isCallback(step.url)) {
    step = await browser.follow(`${step.url}/login`, {
      method: 'POST',
      form: { login: user },
      stopAt: (u) => u.includes('/interaction/') || isCallback(u),
    });
  }
  if (!isCallback(step.url)) step = await browser.follow(`${step.url}/consent`, { method: 'POST', form: {}, stopAt: isCallback });
  expect(isCallback(step.url)).toBe(true);
  expect((await browser.request(step.url)).status).toBe(303);
  return browser;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(broker: CliBroker, params: Record<string, string | undefined>): string {
  const url = new URL('/oauth/authorize', broker.url);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

/** The parameters the CLI sends, with overrides (undefined drops one). */
export function authorizeParams(challenge: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    response_type: 'code',
    client_id: 'rolegate-cli',
    redirect_uri: 'http://127.0.0.1:53682/callback',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    ...overrides,
  };
}

/**
 * Plays the browser through authorize → consent → approve, and returns the
 * URL the browser is sent on to (the CLI's loopback redirect URI with code and state).
 */
export async function approveInBrowser(browser: Browser, url: string, decision: 'approve' | 'deny' = 'approve'): Promise<URL> {
  const consent = await browser.request(url, { headers: { accept: 'text/html' } });
  expect(consent.status).toBe(200);
  const page = await consent.text();
  const action = formAction(page);
  expect(action).toBe('/oauth/authorize/decision');
  const answer = await browser.request(new URL(action ?? '', url).href, {
    method: 'POST',
    form: { _csrf: formField(page, '_csrf') ?? '', consent: formField(page, 'consent') ?? '', decision },
    headers: { accept: 'text/html', origin: new URL(url).origin },
  });
  expect(answer.status).toBe(200);
  const html = await answer.text();
  const next = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  expect(next).toBeDefined();
  return new URL(next ?? '');
}

/** POSTs a form to an OAuth endpoint of the broker; returns status, headers and the parsed JSON. */
export async function oauthPost(
  broker: CliBroker,
  path: string,
  form: Record<string, string | undefined>,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== undefined) params.set(name, value);
  const res = await fetch(new URL(path, broker.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: params.toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Signs in through the loopback flow (as the CLI would) and returns the token response. */
export async function cliTokensFor(broker: CliBroker, browser: Browser, deviceName = 'laptop-test'): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkcePair();
  const params = authorizeParams(challenge);
  const back = await approveInBrowser(browser, authorizeUrl(broker, params));
  const res = await oauthPost(broker, '/oauth/token', {
    grant_type: 'authorization_code',
    client_id: 'rolegate-cli',
    code: back.searchParams.get('code') ?? '',
    redirect_uri: params.redirect_uri,
    code_verifier: verifier,
    device_name: deviceName,
  });
  expect(res.status).toBe(200);
  return res.body;
}

export const bearer = (token: unknown) => ({ authorization: `Bearer ${String(token)}` });
