// node-saml configured as rolegate configures it (pinned certificates, issuer, audience,
// InResponseTo always checked, sha256, clock skew, maximum age): the raw SAML baselines of the
// sign-in bench (baseline-sign-in-server.mjs, and its in-process comparison in sign-in.bench.mjs).
import { ValidateInResponseTo } from '@node-saml/node-saml';

/** Options for `new SAML(…)` toward the bench IdP; `cacheProvider` (optional) holds the ids of the requests sent. */
export function nodeSamlOptions({ audience, acsUrl, certificates, idpEntityId, cacheProvider }) {
  return {
    entryPoint: 'https://idp.bench.example/sso',
    issuer: audience,
    audience,
    callbackUrl: acsUrl,
    idpCert: certificates,
    idpIssuer: idpEntityId,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    acceptedClockSkewMs: 30_000,
    maxAssertionAgeMs: 300_000,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 300_000,
    ...(cacheProvider ? { cacheProvider } : {}),
  };
}
