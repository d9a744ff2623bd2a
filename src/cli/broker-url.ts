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
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      ExitCode.config,
      `the broker URL from ${source} is not a URL: ${value.slice(0, 200)}`,
      'use e.g. https://rolegate.example.com',
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CliError(ExitCode.config, `the broker URL from ${source} must not carry credentials, a query or a fragment`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new CliError(
      ExitCode.config,
      `refusing to use the plain-http broker ${url.origin} from ${source}: tokens would cross the network unencrypted`,
      'use https:// (plain http is only allowed for 127.0.0.1, [::1] and localhost)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(ExitCode.config, `the broker URL from ${source} must be https:// (got ${url.protocol})`);
  }
  return url.href.replace(/\/+$/, '');
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
