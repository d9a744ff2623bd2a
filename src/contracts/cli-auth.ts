// The wire format of rolegate's authorization server for its CLI, shared by
// the broker and the rolegate CLI. Types and constants only (no zod): the CLI
// imports this on its fastest paths.

/** The public client id of the rolegate CLI (row in cli_clients). */
export const CLI_CLIENT_ID = 'rolegate-cli';

/** RFC 8628 §3.4. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Authorization server metadata (RFC 8414), at `/.well-known/oauth-authorization-server`. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  device_authorization_endpoint: string;
  revocation_endpoint: string;
  response_types_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
  /** rolegate's own marker, so the CLI can tell a rolegate broker from another server. */
  rolegate: { api: string };
}

/** A successful answer of `POST /oauth/token` (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds. */
  expires_in: number;
  refresh_token: string;
  /** Seconds until the refresh token (and the whole CLI session) ends: the user's maximum session. */
  refresh_token_expires_in: number;
}

/** Every error of the /oauth endpoints (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1). */
export interface OAuthErrorResponse {
  error: string;
  error_description?: string;
}

/** `POST /oauth/device_authorization` (RFC 8628 §3.2). */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  /** Seconds. */
  expires_in: number;
  /** Seconds between polls. */
  interval: number;
}

/** `GET /api/v1/me`. `session` and `csrfToken` for browser sessions, `cliSession` for CLI bearer tokens. */
export interface MeResponse {
  id: string;
  idp: string;
  subject: string;
  username: string;
  email?: string;
  displayName?: string;
  groups: string[];
  authn: { methods: string[]; contextClass?: string; mfa: boolean; authenticatedAt: number };
  session?: { createdAt: string; expiresAt: string };
  csrfToken?: string;
  cliSession?: {
    /** The grant id (as listed by GET /api/v1/cli-sessions). */
    id: string;
    clientId: string;
    deviceName: string;
    /** ISO 8601: when the CLI session ends (the user's maximum session). */
    expiresAt: string;
    /** ISO 8601: when the access token used for this request expires. */
    accessTokenExpiresAt: string;
  };
}

/** One active CLI grant, as `GET /api/v1/cli-sessions` lists it. */
export interface CliSessionSummary {
  id: string;
  clientId: string;
  clientName: string;
  /** The name the CLI gave its machine (its hostname unless told otherwise). */
  deviceName: string;
  /** How it was approved: `loopback` (browser on the same machine) or `device` (a code confirmed on the portal). */
  flow: 'loopback' | 'device';
  /** ISO 8601. */
  createdAt: string;
  /** Last sign-in or token refresh (ISO 8601), accurate to the access-token lifetime. */
  lastUsedAt: string;
  /** When it ends by itself (ISO 8601): the user's maximum session. */
  expiresAt: string;
  /** True for the grant whose token made this request. */
  current: boolean;
}
