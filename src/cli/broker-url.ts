import { CliError, ExitCode } from './errors.js';

export interface BrokerSources {
  /** --broker */
  flag?: string;
  /** ROLEGATE_URL */
  env?: string;
  /** "broker" in config.json */
  config?: string;
  /** The broker of the current sign-in (tokens.json). */
  signedIn?: string;
}

export interface Broker {
  /** Origin plus path, without a trailing slash: `https://rolegate.corp.example` or `https://corp.example/rolegate`. */
  url: string;
  /** Where it came from, for messages: `--broker`, `ROLEGATE_URL`, `config.json`, `the current sign-in`. */
  source: string;
}

/** The broker to talk to: --broker, else ROLEGATE_URL, else config.json, else the one you signed in to. */
export function resolveBroker(sources: BrokerSources): Broker {
  const pick: [string | undefined, string][] = [
    [sources.flag, '--broker'],
    [sources.env, 'ROLEGATE_URL'],
    [sources.config, 'config.json'],
    [sources.signedIn, 'the current sign-in'],
  ];
  for (const [value, source] of pick) {
    if (value !== undefined && value.trim() !== '') return { url: checkBrokerUrl(value.trim(), source), source };
  }
  throw new CliError(
    ExitCode.config,
    'no rolegate broker is configured',
    'pass --broker https://rolegate.example.com, set ROLEGATE_URL, or put {"broker": "…"} in config.json',
  );
}

/**
 * https only — tokens must not cross a network in the clear — except plain
 * http to a loopback address (a local demo or test broker).
 */
export function checkBrokerUrl(value: string, source: string): string {
  const bad = (what: string, hint = 'use e.g. https://rolegate.example.com') =>
    new CliError(ExitCode.config, `the broker URL from ${source} ${what}`, hint);
  if (value.length > 1000) throw bad(`is longer than 1000 characters: ${printable(value)}`);
  // Printable ASCII only (a Unicode host name goes in its xn-- form). A plain character class: this
  // runs on the warm credential-process path, where compiling Unicode property classes costs milliseconds.
  if (/[^\x21-\x7e]/.test(value)) {
    throw bad(
      `contains spaces, control or non-ASCII characters: ${printable(value)}`,
      'give the URL in ASCII (a Unicode host name as xn--…)',
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // `localhost:8080` would parse as the scheme "localhost:": say what is missing instead.
    const host = value.replace(/^\/+/, '');
    throw bad(
      `must start with https:// (got ${printable(value)})`,
      `did you mean https://${printable(host)}? (plain http:// only for 127.0.0.1, [::1] and localhost)`,
    );
  }
  if (scheme !== 'https' && scheme !== 'http') throw bad(`must be https:// (got ${scheme.slice(0, 40)}://)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`is not a URL: ${printable(value)}`);
  }
  if (url.hostname === '') throw bad(`has no host: ${printable(value)}`);
  if (url.username || url.password || url.search || url.hash) {
    throw bad(
      'must not carry credentials, a query or a fragment',
      'give just the scheme, host, port and path, e.g. https://rolegate.example.com',
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new CliError(
      ExitCode.config,
      `refusing to use the plain-http broker ${url.origin} from ${source}: tokens would cross the network unencrypted`,
      'use https:// (plain http is only allowed for 127.0.0.1, [::1] and localhost)',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** At most 200 characters, without what would garble a terminal line; never a password (user:pass@ is masked). */
function printable(text: string): string {
  const masked = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1…@');
  const clean = masked.replace(/[\p{Cc}\p{Cf}]/gu, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
