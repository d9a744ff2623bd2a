import { checkRoleProvider } from '../../domain/arn.js';
import { AWS_MAX_SESSION_SECONDS, AWS_MIN_SESSION_SECONDS } from '../../domain/durations.js';
import { RolegateError } from '../../domain/errors.js';
import { PARTITIONS, samlRecipientFor } from '../../domain/partitions.js';
import { Secret } from '../../domain/secret.js';
import { SESSION_NAME_PATTERN } from '../../domain/session-name.js';
import { MAX_SESSION_TAGS, tagKeyProblem } from '../../domain/session-tags.js';
import type {
  AssertionIssuer,
  IssuerMetadata,
  MintedSamlResponse,
  MintedWebIdentityToken,
  OpenIdConfiguration,
  PublicJwk,
  SamlAssertionRequest,
  WebIdentityTokenRequest,
} from '../../ports/assertion-issuer.js';
import type { Clock } from '../../ports/clock.js';
import type { SigningKeySource } from './key-material.js';
import { buildSamlMetadata } from './saml-metadata.js';
import { buildSignedSamlResponse } from './saml-response.js';
import { openidConfigurationFor, publicJwkOf, signWebIdentityToken } from './web-identity.js';
import { isXmlText } from './xml-text.js';

export interface RolegateIssuerOptions {
  keys: SigningKeySource;
  clock: Clock;
  /** SAML entity id (Issuer). */
  entityId: string;
  /** Where users start (metadata SingleSignOnService): the portal. */
  portalUrl: string;
  /** `iss` of web-identity tokens, without trailing slash. */
  webIdentityIssuer: string;
  webIdentityAudience: string;
  /** NotOnOrAfter / exp, seconds after issuance (≤ 300). */
  assertionLifetimeSeconds: number;
}

/** Mints and publishes: the one implementation of AssertionIssuer and IssuerMetadata. */
export class RolegateIssuer implements AssertionIssuer, IssuerMetadata {
  constructor(private readonly options: RolegateIssuerOptions) {
    if (options.assertionLifetimeSeconds < 1 || options.assertionLifetimeSeconds > 300) {
      throw new Error('assertionLifetimeSeconds must be 1-300');
    }
  }

  async mintSamlResponse(request: SamlAssertionRequest): Promise<MintedSamlResponse> {
    checkSamlRequest(request);
    const key = await this.options.keys.active('saml');
    const issuedAt = new Date(this.options.clock.now());
    const notOnOrAfter = new Date(issuedAt.getTime() + this.options.assertionLifetimeSeconds * 1000);
    const recipient = samlRecipientFor(request.partition, request.region);
    const audience = PARTITIONS[request.partition].samlAudience;
    const attributes: [string, string[]][] = [
      ['Role', [`${request.roleArn},${request.providerArn}`]],
      ['RoleSessionName', [request.sessionName]],
      ['SessionDuration', [String(request.sessionDurationSeconds)]],
      ['SourceIdentity', [request.sourceIdentity]],
      ...request.tags.map((tag): [string, string[]] => [`PrincipalTag:${tag.key}`, [tag.value]]),
    ];
    if (request.transitiveTagKeys.length > 0) attributes.push(['TransitiveTagKeys', [...request.transitiveTagKeys]]);
    const { xml, responseId, assertionId } = await buildSignedSamlResponse(
      {
        issuer: this.options.entityId,
        nameId: request.userId,
        recipient,
        audience,
        issuedAt,
        notOnOrAfter,
        authnInstant: new Date(request.authenticatedAt),
        ...(request.authnContextClass === undefined ? {} : { authnContextClass: request.authnContextClass }),
        attributes,
      },
      key,
    );
    return {
      samlAssertion: new Secret(Buffer.from(xml, 'utf8').toString('base64')),
      responseId,
      assertionId,
      issuedAt,
      notOnOrAfter,
      recipient,
      audience,
      kid: key.kid,
    };
  }

  async mintWebIdentityToken(request: WebIdentityTokenRequest): Promise<MintedWebIdentityToken> {
    if (request.userId === '') throw invariant('the user id is empty');
    if (request.sourceIdentity !== undefined && !SESSION_NAME_PATTERN.test(request.sourceIdentity))
      throw invariant('the source identity is not valid');
    checkTags(request.tags, request.transitiveTagKeys);
    const key = await this.options.keys.active('jwt');
    const issuedAt = new Date(Math.floor(this.options.clock.now() / 1000) * 1000);
    const expiresAt = new Date(issuedAt.getTime() + this.options.assertionLifetimeSeconds * 1000);
    const { token, jti } = await signWebIdentityToken(
      {
        issuer: this.options.webIdentityIssuer,
        audience: this.options.webIdentityAudience,
        subject: request.userId,
        issuedAt,
        expiresAt,
        ...(request.sourceIdentity === undefined ? {} : { sourceIdentity: request.sourceIdentity }),
        tags: request.tags,
        transitiveTagKeys: request.transitiveTagKeys,
      },
      key,
    );
    return {
      token: new Secret(token),
      jti,
      issuer: this.options.webIdentityIssuer,
      audience: this.options.webIdentityAudience,
      issuedAt,
      expiresAt,
      kid: key.kid,
    };
  }

  async samlMetadata(): Promise<string> {
    return buildSamlMetadata(this.options.entityId, this.options.portalUrl, await this.options.keys.published('saml'));
  }

  openidConfiguration(): Promise<OpenIdConfiguration> {
    return Promise.resolve(openidConfigurationFor(this.options.webIdentityIssuer));
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return { keys: (await this.options.keys.published('jwt')).map(publicJwkOf) };
  }
}

function checkSamlRequest(request: SamlAssertionRequest): void {
  const pair = checkRoleProvider('saml', request.roleArn, request.providerArn);
  if (!pair.ok) throw invariant(pair.error);
  if (pair.value.role.partition !== request.partition)
    throw invariant(`the role is in ${pair.value.role.partition}, not ${request.partition}`);
  if (!SESSION_NAME_PATTERN.test(request.sessionName)) throw invariant('the session name is not valid');
  if (!SESSION_NAME_PATTERN.test(request.sourceIdentity)) throw invariant('the source identity is not valid');
  const seconds = request.sessionDurationSeconds;
  if (!Number.isSafeInteger(seconds) || seconds < AWS_MIN_SESSION_SECONDS || seconds > AWS_MAX_SESSION_SECONDS) {
    throw invariant('the session duration is outside 900-43200 s');
  }
  if (request.userId === '' || !isXmlText(request.userId)) throw invariant('the user id is empty or holds characters XML cannot carry');
  if (request.authnContextClass !== undefined && !isXmlText(request.authnContextClass))
    throw invariant('the authn context class holds characters XML cannot carry');
  if (!Number.isFinite(request.authenticatedAt)) throw invariant('authenticatedAt is not a time');
  checkTags(request.tags, request.transitiveTagKeys);
}

function checkTags(tags: SamlAssertionRequest['tags'], transitive: readonly string[]): void {
  if (tags.length > MAX_SESSION_TAGS) throw invariant(`more than ${String(MAX_SESSION_TAGS)} session tags`);
  for (const tag of tags) {
    if (tagKeyProblem(tag.key) !== undefined || !isXmlText(tag.value)) throw invariant(`session tag ${tag.key} is not valid`);
  }
  for (const key of transitive) if (!tags.some((t) => t.key === key)) throw invariant(`transitive key ${key} names no session tag`);
}

function invariant(detail: string): RolegateError {
  return new RolegateError('server_error', { detail: `refusing to mint: ${detail}` });
}
