/**
 * Who is signed in, as every feature sees it — whichever IdP (OIDC or SAML)
 * vouched for them. Built once at login from the validated assertion/id_token
 * and stored with the session; never re-derived from request input.
 */
export interface Principal {
  /** Stable, unique across IdPs: `<idp slug>:<subject>`. Keys sessions and caches. */
  id: string;
  /** Slug of the identity provider that authenticated the user. */
  idp: string;
  /**
   * The IdP's immutable identifier for the user: OIDC `sub`, SAML NameID (full
   * text, compared exactly). Identity is (idp, subject), never the email.
   */
  subject: string;
  /** Human login name (preferred_username, email or a configured attribute): shown in the UI, used for AWS session names. */
  username: string;
  email?: string;
  displayName?: string;
  /** Group names as the IdP sent them (deduplicated, order kept). */
  groups: string[];
  authn: AuthnFacts;
}

/** What the IdP said about how the user authenticated. */
export interface AuthnFacts {
  /** OIDC `amr` values (e.g. `pwd`, `mfa`, `otp`, `hwk`); empty when not given. */
  methods: string[];
  /** OIDC `acr` or SAML AuthnContextClassRef, when given. */
  contextClass?: string;
  /** True when `methods` or `contextClass` show a second factor (see `hasMfa`). */
  mfa: boolean;
  /** When the user authenticated at the IdP (ms since epoch). */
  authenticatedAt: number;
}

const MFA_METHODS = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'tel', 'fpt', 'face', 'iris', 'retina', 'vbm', 'sc']);
const MFA_CONTEXT_HINTS = [
  /mfa/i,
  /multifactor/i,
  /MultiFactor/,
  /TimeSyncToken/,
  /Smartcard/i,
  /phishing-?resistant/i,
  /urn:okta:loa:2fa/i,
];

/** Whether the authn facts show a second factor (RFC 8176 `amr` values or a known MFA context class). */
export function hasMfa(methods: readonly string[], contextClass: string | undefined): boolean {
  if (methods.some((m) => MFA_METHODS.has(m.toLowerCase()))) return true;
  return contextClass !== undefined && MFA_CONTEXT_HINTS.some((hint) => hint.test(contextClass));
}

export function principalId(idp: string, subject: string): string {
  return `${idp}:${subject}`;
}
