const MAX_LENGTH = 2048;
const BASE = 'http://rolegate.invalid';
const LANDING = '/';

// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL_OR_BACKSLASH = /[\\\u0000-\u001f\u007f-\u009f]/;

/**
 * What a returned value always is: one `/`, then not a second `/` or `\`
 * (browsers read `//host` and `/\host` as another origin, WHATWG URL §4.4
 * "special authority ignore slashes"), then printable ASCII only — no space,
 * no control character (browsers drop tabs and newlines anywhere in a URL, so
 * `/<tab>/evil` is `//evil`), no backslash. Such a value, resolved against any
 * base, keeps the base's origin.
 */
const LOCAL_PATH = /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/;

/**
 * The path part, percent-decoded once, must still be a plain local path: no
 * encoded `/` or `\` (`%2f`, `%5c`: a proxy or framework that decodes paths
 * would make a new `//`), no encoded control or non-ASCII characters (no
 * look-alike slashes such as U+2215 or U+FF0F that a Unicode normaliser might
 * fold into `/`), and no `%` left (nothing for a second decoding to find).
 * rolegate's own pages never need any of these in their path; the query string
 * may carry anything, encoded.
 */
const DECODED_PATH = /^\/(?![/\\])[\x20-\x24\x26-\x5b\x5d-\x7e]*$/;

/**
 * A post-login destination that can only be a path on rolegate itself.
 * Anything else becomes `/`. Never an absolute URL: that would be an open
 * redirect (OWASP Unvalidated Redirects and Forwards).
 *
 * The value is normalised by the WHATWG URL parser (dot segments, `%2e`,
 * percent-encoding) the way a browser would, and the rules are then checked
 * on the *result*, the exact string that ends up in a `Location` header or a
 * page: `/.//evil` normalises to `//evil`, so checking only the input is not
 * enough. Idempotent: `safeReturnTo(safeReturnTo(x)) === safeReturnTo(x)`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return LANDING;
  // Early refusals of the raw value; the checks that decide are on the result below.
  if (!value.startsWith('/') || CONTROL_OR_BACKSLASH.test(value)) return LANDING;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return LANDING;
  }
  if (url.origin !== BASE) return LANDING;
  const result = `${url.pathname}${url.search}${url.hash}`;
  if (!isLocalPath(result) || !isPlainPathname(url.pathname) || isSignInEndpoint(url.pathname)) return LANDING;
  return result;
}

/** True when `path` cannot leave the origin it is resolved against (see LOCAL_PATH). */
export function isLocalPath(path: string): boolean {
  return path.length <= MAX_LENGTH && LOCAL_PATH.test(path);
}

function isPlainPathname(pathname: string): boolean {
  if (/%(2f|5c)/i.test(pathname)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false; // a malformed escape: whatever reads it next would have to guess
  }
  return DECODED_PATH.test(decoded);
}

/** No loops back into sign-in. Express matches routes case-insensitively and with a trailing slash. */
function isSignInEndpoint(pathname: string): boolean {
  const path = decodeURIComponent(pathname).toLowerCase();
  return path === '/login' || path === '/login/' || path.startsWith('/auth/');
}

/**
 * The sign-in page that comes back to `returnTo` afterwards (`/login` alone
 * when it is not a safe local path). Every bounce to sign-in is built here.
 */
export function signInPath(returnTo: unknown, options: { expired?: boolean } = {}): string {
  const safe = safeReturnTo(returnTo);
  const query = [...(safe === LANDING ? [] : [`returnTo=${encodeURIComponent(safe)}`]), ...(options.expired ? ['expired=1'] : [])];
  return query.length === 0 ? '/login' : `/login?${query.join('&')}`;
}
