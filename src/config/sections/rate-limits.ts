import { z } from 'zod';
import { integer } from '../fields.js';

// Every limit is shared by all instances (kept in Redis; in process memory with the embedded store)
// and counted in fixed windows of one minute unless said otherwise. The defaults sit well above what
// one person does by hand or with the CLI, and well below a flood; docs/operations.md explains each
// one and what happens when Redis cannot answer. "Per IP" means per IPv4 address or IPv6 /64 network,
// as Express sees the client behind server.trustProxy.
const perMinute = (max: number) => integer(0, max);

export const rateLimits = z
  .strictObject({
    stsExchangesPerRole: perMinute(100_000)
      .default(20)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_STS_PER_ROLE'],
        description:
          'New STS exchanges (not cached answers) per user and role per minute; more get 429 until the minute ends. Cached credentials are always served. 0 turns the limit off.',
      }),
    stsExchangesPerUser: perMinute(100_000)
      .default(60)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_STS_PER_USER'],
        description: 'New STS exchanges per user per minute, over all their roles. 0 turns the limit off.',
      }),
    consoleUrlsPerUser: perMinute(100_000)
      .default(30)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_CONSOLE_URLS_PER_USER'],
        description: 'Console sign-in URLs (API and portal) per user per minute. 0 turns the limit off.',
      }),
    loginStartsPerIp: perMinute(100_000)
      .default(30)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_LOGIN_STARTS_PER_IP'],
        description:
          'Sign-in starts (GET /auth/{oidc,saml}/<idp>/login) per client IP per minute. Behind a NAT every user of the office shares it. 0 turns the limit off (pendingLoginsPerIp still bounds the login records).',
      }),
    loginCallbacksPerIp: perMinute(100_000)
      .default(30)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_LOGIN_CALLBACKS_PER_IP'],
        description: 'OIDC callbacks, SAML ACS posts and SAML single-logout messages per client IP per minute. 0 turns the limit off.',
      }),
    oauthTokenRequestsPerClientIp: perMinute(100_000)
      .default(120)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_OAUTH_TOKEN'],
        description:
          'POST /oauth/token per client_id and client IP per minute (code exchanges, refreshes, device-code polls). A refused device-code poll gets slow_down. 0 turns the limit off.',
      }),
    deviceAuthorizationsPerIp: perMinute(100_000)
      .default(10)
      .meta({
        env: ['ROLEGATE_RATE_LIMIT_DEVICE_AUTHORIZATIONS_PER_IP'],
        description: 'POST /oauth/device_authorization (rolegate login --no-browser) per client IP per minute. 0 turns the limit off.',
      }),
    pendingLoginsPerIp: integer(1, 100_000)
      .default(20)
      .meta({
        env: ['ROLEGATE_MAX_PENDING_LOGINS_PER_IP'],
        description:
          'Sign-ins a client IP may have started and not finished within one sessions.loginTimeoutMs: each start leaves a login record in Redis until its callback or its timeout. A finished sign-in frees its place. Cannot be turned off.',
      }),
    pendingLoginsTotal: integer(1, 10_000_000)
      .default(20_000)
      .meta({
        env: ['ROLEGATE_MAX_PENDING_LOGINS'],
        description:
          'Unfinished sign-ins over all clients within one sessions.loginTimeoutMs: the hard bound on login records in Redis under a flood from many addresses. Cannot be turned off.',
      }),
  })
  .prefault({});
