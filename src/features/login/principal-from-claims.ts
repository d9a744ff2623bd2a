import { firstString, groupsFrom, readClaim } from '../../domain/claims.js';
import { hasMfa, principalId, type Principal } from '../../domain/principal.js';
import type { OidcIdentityProvider, OidcSignIn } from '../../ports/oidc-gateway.js';
import type { SamlAssertion, SamlIdentityProvider } from '../../ports/saml-gateway.js';

/** The Principal an OIDC sign-in vouches for: identified by (iss, sub), never by email. */
export function principalFromOidc(idp: OidcIdentityProvider, signIn: OidcSignIn, now: number): Principal {
  const { claims, userinfo } = signIn;
  const subject = claims.sub as string;
  const groups = groupsFrom(readClaim(claims, idp.groupsFrom));
  if (userinfo) for (const group of groupsFrom(readClaim(userinfo, idp.groupsFrom))) if (!groups.includes(group)) groups.push(group);
  const profile = { ...userinfo, ...claims };
  const methods = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
  const contextClass = typeof claims.acr === 'string' ? claims.acr : undefined;
  const email = firstString(profile.email);
  const displayName = firstString(profile.name);
  return {
    id: principalId(idp.slug, subject),
    idp: idp.slug,
    subject,
    username: firstString(readClaim(profile, idp.settings.usernameClaim)) ?? email ?? subject,
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    groups,
    authn: {
      methods,
      ...(contextClass ? { contextClass } : {}),
      mfa: hasMfa(methods, contextClass),
      authenticatedAt: typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : now,
    },
  };
}

/** The Principal a validated SAML assertion vouches for: identified by (IdP, full NameID text). */
export function principalFromSaml(idp: SamlIdentityProvider, assertion: SamlAssertion, now: number): Principal {
  const attribute = (name: string | undefined) => (name === undefined ? undefined : firstString(assertion.attributes[name]));
  const email = attribute(idp.settings.emailAttribute);
  const displayName = attribute(idp.settings.displayNameAttribute);
  const contextClass = assertion.authnContextClassRef;
  return {
    id: principalId(idp.slug, assertion.nameId),
    idp: idp.slug,
    subject: assertion.nameId,
    username: attribute(idp.settings.usernameAttribute) ?? assertion.nameId,
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    groups: groupsFrom(assertion.attributes[idp.groupsFrom]),
    authn: {
      methods: [],
      ...(contextClass ? { contextClass } : {}),
      mfa: hasMfa([], contextClass),
      authenticatedAt: assertion.authnInstant ?? now,
    },
  };
}
