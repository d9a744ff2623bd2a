import { z } from 'zod';
import { isLocalPath, safeReturnTo } from './return-to.js';

// What an identity provider record holds, per kind. The same schemas validate
// configuration seeds at start-up and rows read from the database, so a bad
// setting is reported before anyone tries to sign in with it.

const slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, { error: 'expected a slug: lower-case letters, digits and dashes, 1-40 characters' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Attribute/claim names that say who the user is and how they authenticated. */
const claimName = z.string().min(1).max(200);

export const oidcSettingsSchema = z.strictObject({
  /** Issuer URL; discovery is `<issuer>/.well-known/openid-configuration`. */
  issuer: httpUrl,
  clientId: z.string().min(1),
  /** `client_secret_basic` (needs a secret in configuration) or `none` (public client, PKCE only). */
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).default('client_secret_basic'),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default(['openid', 'profile', 'email']),
  /** The only id_token signing algorithm accepted (openid-client checks it; `none` and HMAC are refused). */
  idTokenSignedResponseAlg: z
    .enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])
    .default('RS256'),
  usernameClaim: claimName.default('preferred_username'),
  /** Also read groups from the userinfo endpoint (merged with the id_token's). */
  groupsFromUserinfo: z.boolean().default(false),
  /** Allowed `tid` values for multi-tenant issuers (Entra `/common`, `/organizations`). */
  allowedTenants: z.array(z.string().min(1)).default([]),
  /** Allow a plain-http issuer. Only for loopback issuers, and never in production mode. */
  allowInsecureLoopbackIssuer: z.boolean().default(false),
  /**
   * What bounds the rolegate session besides sessions.maxTtlMs: `id_token` (its exp, or the token
   * response's refresh_expires_in when given) or `configured` (only sessions.maxTtlMs).
   */
  sessionExpiry: z.enum(['id_token', 'configured']).default('id_token'),
  /** `acr_values` asked for at a step-up (space-separated, e.g. `mfa` or `http://schemas.openid.net/pape/policies/2007/06/multi-factor`). */
  stepUpAcrValues: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, { error: 'expected space-separated acr values' })
    .max(500)
    .optional(),
  /** Where the IdP sends the browser after RP-initiated logout; default: <publicUrl>/login. */
  postLogoutRedirectPath: z
    .string()
    .refine(isLocalPath, { error: 'expected a path on rolegate: one leading /, not //, printable ASCII only' })
    .optional(),
});

export const samlSettingsSchema = z.strictObject({
  /** The IdP's entityID: the assertion Issuer must equal it. */
  entityId: z.string().min(1),
  /** The IdP's SingleSignOnService (HTTP-Redirect binding). */
  ssoUrl: httpUrl,
  /** The IdP's SingleLogoutService, when single logout is wanted. */
  sloUrl: httpUrl.optional(),
  /** Pinned signing certificates (PEM or bare base64). Several during a rotation. KeyInfo in messages is ignored. */
  certificates: z.array(z.string().min(1)).min(1),
  /** Our entityID toward this IdP; default: <publicUrl>/auth/saml/<slug>/metadata. */
  spEntityId: z.string().min(1).optional(),
  /** NameID format requested; default unspecified. */
  nameIdFormat: z.string().min(1).optional(),
  /** Attribute holding the username; default: the NameID. */
  usernameAttribute: claimName.optional(),
  emailAttribute: claimName.default('email'),
  displayNameAttribute: claimName.default('displayName'),
  /**
   * AuthnContextClassRefs asked for (RequestedAuthnContext, comparison `minimum`) at a step-up,
   * e.g. `urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract`; none: ForceAuthn only.
   */
  stepUpAuthnContext: z.array(z.string().min(1).max(500)).max(10).optional(),
  /** Require a signature on the Response itself. By default a signed Response or a signed assertion suffices. */
  wantResponseSigned: z.boolean().default(false),
  /** Require a signature on the assertion itself, even inside a signed Response. */
  wantAssertionSigned: z.boolean().default(false),
  /** Accept rsa-sha1 / sha1 digests from this IdP (legacy; off by default). */
  allowSha1: z.boolean().default(false),
  idpInitiated: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** RelayState values accepted as the page to land on (same-origin paths). Anything else lands on /. */
      relayStateAllowList: z
        .array(
          // Listed exactly as rolegate would send the browser there, so what is listed is where users land.
          z.string().refine((path) => safeReturnTo(path) === path, {
            error: 'expected a normalised path on rolegate (one leading /, no dot segments, no encoded slashes, not /login or /auth/)',
          }),
        )
        .default([]),
    })
    .prefault({}),
  /** Where the metadata came from, when imported (informational). */
  metadataUrl: httpUrl.optional(),
});

export type OidcSettings = z.output<typeof oidcSettingsSchema>;
export type SamlSettings = z.output<typeof samlSettingsSchema>;

interface IdentityProviderBase {
  id: string;
  slug: string;
  displayName: string;
  enabled: boolean;
  /** OIDC: claim path (dots for nesting, e.g. `realm_access.roles`); SAML: attribute name. */
  groupsFrom: string;
}

export type IdentityProvider =
  (IdentityProviderBase & { kind: 'oidc'; settings: OidcSettings }) | (IdentityProviderBase & { kind: 'saml'; settings: SamlSettings });

/** An identity provider as written to the store (no id yet; settings not yet defaulted). */
export const identityProviderSeedSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    slug,
    displayName: z.string().min(1).max(100),
    kind: z.literal('oidc'),
    enabled: z.boolean().default(true),
    groupsFrom: z.string().min(1).max(200).default('groups'),
    settings: oidcSettingsSchema,
    /** OIDC client secret; kept in configuration only, never written to the database. */
    clientSecret: z.string().min(1).optional(),
  }),
  z
    .strictObject({
      slug,
      displayName: z.string().min(1).max(100),
      kind: z.literal('saml'),
      enabled: z.boolean().default(true),
      groupsFrom: z.string().min(1).max(200).default('groups'),
      /** entityId, ssoUrl, sloUrl and certificates may come from IdP metadata instead (read at start-up). */
      settings: samlSettingsSchema.partial({ entityId: true, ssoUrl: true, certificates: true }),
      metadata: z
        .union([z.strictObject({ url: httpUrl }), z.strictObject({ xml: z.string().min(1) })], {
          error: 'expected { url } or { xml }',
        })
        .optional(),
    })
    .refine((seed) => seed.metadata !== undefined || (seed.settings.entityId && seed.settings.ssoUrl && seed.settings.certificates), {
      error: 'a SAML IdP needs settings.entityId, settings.ssoUrl and settings.certificates, or metadata ({ url } or { xml })',
    }),
]);

export type IdentityProviderSeed = z.output<typeof identityProviderSeedSchema>;

/** Issuers that let any tenant's users sign in (Entra ID multi-tenant endpoints). */
export function isMultiTenantIssuer(issuer: string): boolean {
  return /^https:\/\/login\.microsoftonline\.com\/(common|organizations|consumers)(\/|$)/i.test(issuer) || /\{tenantid\}/i.test(issuer);
}

/** True for http://localhost, 127.0.0.0/8 and [::1]. */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname;
    return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}
