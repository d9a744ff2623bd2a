/**
 * Return addresses an attacker would put in `returnTo`, RelayState or a
 * bounced URL, each trying to send a signed-in browser to another origin
 * (or to a page that runs script). Every one of them must end on rolegate's
 * `/`. Grouped by the trick; the label says what it is.
 */
export const HOSTILE_RETURN_TO: readonly (readonly [label: string, value: string])[] = [
  // Dot segments that normalise into `//host` (the defect of issue 13, item 1).
  ['dot then double slash', '/.//evil.example/phish'],
  ['dot-dot then double slash', '/..//evil.example'],
  ['segment, dot-dot, double slash', '/a/..//evil.example'],
  ['two segments up', '/portal/../..//evil.example'],
  ['dot then triple slash', '/.///evil.example'],
  ['dot, segment, dot-dot, double slash', '/./x/..//evil.example'],
  ['encoded dot', '/%2e//evil.example'],
  ['encoded dot-dot', '/%2e%2e//evil.example'],
  ['upper-case encoded dot-dot', '/a/%2E%2E//evil.example'],
  ['half-encoded dot-dot', '/.%2e//evil.example'],
  // Slashes and backslashes, raw and percent-encoded.
  ['protocol-relative', '//evil.example'],
  ['triple slash', '///evil.example'],
  ['slash backslash', '/\\evil.example'],
  ['two backslashes', '\\\\evil.example'],
  ['slash backslash slash', '/\\/evil.example'],
  ['dot-dot backslash', '/..\\/evil.example'],
  ['encoded slash', '/%2f/evil.example'],
  ['two encoded slashes', '/%2F%2Fevil.example'],
  ['encoded backslash', '/%5cevil.example'],
  ['two encoded backslashes', '/%5C%5Cevil.example'],
  ['dot, encoded slash', '/.%2f/evil.example'],
  ['double-encoded slashes', '/%252f%252fevil.example'],
  ['double-encoded backslash', '/%255cevil.example'],
  // Whitespace and control characters (browsers drop tabs and newlines anywhere in a URL).
  ['tab between slashes', '/\t/evil.example'],
  ['newline between slashes', '/\n/evil.example'],
  ['CRLF between slashes', '/\r\n/evil.example'],
  ['encoded tab', '/%09/evil.example'],
  ['encoded newline', '/%0a/evil.example'],
  ['encoded CRLF header injection', '/%0d%0aSet-Cookie:%20x=1'],
  ['NUL between slashes', '/\u0000/evil.example'],
  ['encoded NUL then double slash', '/%00//evil.example'],
  ['leading space', ' //evil.example'],
  ['leading tab', '\t//evil.example'],
  ['C1 control (NEL)', '/\u0085/evil.example'],
  // Unicode look-alikes of / and \ (raw and encoded).
  ['division slash', '/\u2215\u2215evil.example'],
  ['fullwidth solidus', '/\uff0f\uff0fevil.example'],
  ['fullwidth reverse solidus', '/\uff3cevil.example'],
  ['fraction slash', '/\u2044evil.example'],
  ['no-break space then slashes', '/\u00a0//evil.example'],
  ['encoded division slash', '/%E2%88%95%E2%88%95evil.example'],
  ['encoded fullwidth solidus', '/%EF%BC%8F%EF%BC%8Fevil.example'],
  // Schemes and absolute URLs.
  ['javascript:', 'javascript:alert(document.domain)'],
  ['mixed-case javascript:', 'JaVaScRiPt:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['absolute https', 'https://evil.example/phish'],
  ['scheme without slashes', 'http:evil.example'],
  ['encoded slashes without leading slash', '%2f%2fevil.example'],
  // Malformed escapes, and sizes.
  ['malformed escape', '/%zz//evil.example'],
  ['very long', `/${'a'.repeat(5000)}`],
  ['very long after a dot trick', `/.//evil.example/${'a'.repeat(2040)}`],
  ['look-alikes that grow past the limit', `/${'\uff0f'.repeat(700)}`],
  // Loops back into sign-in.
  ['the sign-in page', '/login'],
  ['the sign-in page, upper case', '/LOGIN/'],
  ['an IdP login', '/auth/oidc/corp/login'],
  ['sign-out, mixed case', '/Auth/logout'],
];

/** Return addresses that are fine: kept exactly. */
export const KEPT_RETURN_TO: readonly string[] = [
  '/portal',
  '/portal?q=prod',
  '/portal?q=prod#favourites',
  '/device?user_code=BCDF-GHJK',
  '/admin/audit',
  '/portal?next=//evil.example',
];
