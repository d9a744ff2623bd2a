import type { Partition } from './access-model.js';
import { AWS_MAX_SESSION_SECONDS, AWS_MIN_SESSION_SECONDS } from './durations.js';
import { RolegateError } from './errors.js';
import { consoleHomeFor, consoleHostFor, federationEndpointFor, PARTITIONS } from './partitions.js';
import { Secret } from './secret.js';

/**
 * The AWS console federation flow, pure: what to send to `getSigninToken` and
 * the `login` URL to hand the user. The HTTP call is made elsewhere.
 * Source: IAM user guide "Enabling custom identity broker access to the AWS
 * console" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html).
 */

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: Secret;
  sessionToken: Secret;
}

export interface SigninTokenRequestInput {
  partition: Partition;
  /** Use the regional federation endpoint of this region (global when omitted or the partition has none). */
  region?: string;
  credentials: SessionCredentials;
  /** Console session length, 900–43200 s; default: the remaining lifetime of the credentials. */
  sessionDurationSeconds?: number;
  /** The credentials come from role chaining (AssumeRole with role credentials). */
  chained: boolean;
  /** A configured federation endpoint replacing the partition's (the devstack's, a proxy). */
  endpoint?: string;
}

export interface SigninTokenRequest {
  /** POST here, `application/x-www-form-urlencoded` (keeps the credentials out of URLs and access logs). */
  url: string;
  /** The form body; it holds the session credentials. */
  body: Secret;
  /** The SessionDuration sent, if any. */
  sessionDurationSeconds?: number;
  /** Why a requested SessionDuration was not sent. */
  sessionDurationIgnored?: string;
}

/** The `getSigninToken` request for a set of temporary credentials. */
export function signinTokenRequestFor(input: SigninTokenRequestInput): SigninTokenRequest {
  const requested = input.sessionDurationSeconds;
  if (
    requested !== undefined &&
    (!Number.isSafeInteger(requested) || requested < AWS_MIN_SESSION_SECONDS || requested > AWS_MAX_SESSION_SECONDS)
  ) {
    throw new RolegateError('invalid_request', {
      detail: `sessionDurationSeconds must be a whole number from ${String(AWS_MIN_SESSION_SECONDS)} to ${String(AWS_MAX_SESSION_SECONDS)}, got ${String(requested)}`,
    });
  }
  const form = new URLSearchParams({
    Action: 'getSigninToken',
    Session: JSON.stringify({
      sessionId: input.credentials.accessKeyId,
      sessionKey: input.credentials.secretAccessKey.reveal(),
      sessionToken: input.credentials.sessionToken.reveal(),
    }),
  });
  const result: SigninTokenRequest = {
    url: input.endpoint ?? federationEndpointFor(input.partition, input.region),
    body: new Secret(''),
  };
  if (requested !== undefined) {
    if (input.chained) {
      // AWS refuses SessionDuration for credentials from role chaining; their console session is capped at 1 h.
      result.sessionDurationIgnored = 'the credentials come from role chaining, whose console sessions AWS caps at one hour';
    } else {
      form.set('SessionDuration', String(requested));
      result.sessionDurationSeconds = requested;
    }
  }
  result.body = new Secret(form.toString());
  return result;
}

export interface ConsoleUrlInput {
  partition: Partition;
  /** The account's home region: default destination and regional endpoint. */
  region: string;
  /** rolegate's portal URL: AWS sends the user here when the console session ends. */
  issuer: string;
  /** Console page to open (absolute URL on a console host of the partition, or a path); default: console home of `region`. */
  destination?: string;
  signinToken: Secret;
  /** Use the regional federation endpoint (must match where the token was obtained). */
  regionalEndpoint?: boolean;
  /** A configured federation endpoint replacing the partition's (must be where the token was obtained). */
  endpoint?: string;
  /** A stand-in console replacing the partition's console as default and only allowed destination (devstack). */
  standInConsole?: string;
}

/** The console sign-in URL (`Action=login`). It is a bearer secret for 15 minutes. */
export function consoleUrlFor(input: ConsoleUrlInput): Secret {
  const issuer = parseUrl(input.issuer, 'issuer');
  if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') {
    throw new RolegateError('invalid_request', { detail: 'issuer must be an http(s) URL' });
  }
  const destination =
    input.standInConsole === undefined
      ? consoleDestinationFor(input.partition, input.region, input.destination)
      : standInDestinationFor(input.standInConsole, input.region, input.destination);
  const url = new URL(input.endpoint ?? federationEndpointFor(input.partition, input.regionalEndpoint === true ? input.region : undefined));
  url.searchParams.set('Action', 'login');
  url.searchParams.set('Issuer', issuer.href);
  url.searchParams.set('Destination', destination);
  url.searchParams.set('SigninToken', input.signinToken.reveal());
  return new Secret(url.href);
}

/**
 * The console destination, checked against an allow-list: https, a console
 * host of the account's partition (`console.aws.amazon.com` or a subdomain,
 * such as a region or the multi-session account subdomain), default port, no
 * user info. A path (`/ec2/home?region=…`) is resolved on the region's console
 * host. Anything else (`https://evil.example`, `//evil.example`,
 * `https://console.aws.amazon.com.evil.example`) is refused: the login URL
 * would otherwise be an open redirect carrying a signed-in session.
 */
export function consoleDestinationFor(partition: Partition, region: string, destination?: string): string {
  if (destination === undefined || destination === '') return consoleHomeFor(partition, region);
  if (destination.length > 2048) throw refused('is longer than 2048 characters');
  let url: URL;
  if (destination.startsWith('/') && !destination.startsWith('//') && !destination.startsWith('/\\')) {
    url = parseUrl(`https://${consoleHostFor(partition, region)}${destination}`, 'destination');
  } else {
    url = parseUrl(destination, 'destination');
  }
  const consoleHost = PARTITIONS[partition].consoleHost;
  if (url.protocol !== 'https:') throw refused('must be an https URL');
  if (url.username !== '' || url.password !== '') throw refused('must not contain user info');
  if (url.port !== '') throw refused('must not name a port');
  if (url.hostname !== consoleHost && !url.hostname.endsWith(`.${consoleHost}`)) {
    throw refused(`must be on ${consoleHost} or one of its subdomains (the ${partition} console)`);
  }
  return url.href;
}

/**
 * The destination on a stand-in console (the devstack's): the same rules as
 * consoleDestinationFor, with the stand-in's origin as the only allowed one.
 */
export function standInDestinationFor(standIn: string, region: string, destination?: string): string {
  const base = parseUrl(standIn, 'standInConsole');
  if (destination === undefined || destination === '') {
    const home = new URL('home', base.href.endsWith('/') ? base.href : `${base.href}/`);
    home.searchParams.set('region', region);
    return home.href;
  }
  if (destination.length > 2048) throw refused('is longer than 2048 characters');
  const relative = destination.startsWith('/') && !destination.startsWith('//') && !destination.startsWith('/\\');
  const url = parseUrl(relative ? `${base.origin}${destination}` : destination, 'destination');
  if (url.username !== '' || url.password !== '') throw refused('must not contain user info');
  if (url.origin !== base.origin) throw refused(`must be on ${base.host} (the configured stand-in console)`);
  return url.href;
}

function refused(reason: string): RolegateError {
  return new RolegateError('invalid_request', { detail: `The console destination ${reason}` });
}

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    if (what === 'destination') throw refused('must be an absolute https URL on the console, or a path starting with /');
    throw new RolegateError('invalid_request', { detail: `${what} is not a valid URL` });
  }
}
