const MAX_LENGTH = 2048;

/**
 * A post-login destination that can only be a path on rolegate itself: it
 * starts with one `/`, is not protocol-relative (`//evil`, `/\evil`), has no
 * control characters or backslashes, and is not an auth endpoint (no loops).
 * Anything else becomes `/`. Never an absolute URL: that would be an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return '/';
  if (!value.startsWith('/') || value.startsWith('//')) return '/';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, 'http://rolegate.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://rolegate.invalid') return '/';
  if (url.pathname.startsWith('/auth/') || url.pathname === '/login') return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
