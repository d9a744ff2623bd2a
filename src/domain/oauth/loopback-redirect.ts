/**
 * The only redirect URIs the CLI may use: loopback IP literals over http
 * with any port (RFC 8252 §7.3: "the authorization server MUST allow any port
 * to be specified at the time of the request for loopback IP redirect URIs").
 * `localhost` is refused (§8.3: it may resolve elsewhere, and a listener on a
 * name is easier to hijack than one on an IP literal). No user info, no
 * fragment (RFC 6749 §3.1.2).
 */
export function checkLoopbackRedirectUri(value: string): { ok: true; uri: string } | { ok: false; reason: string } {
  if (value.length > 512) return { ok: false, reason: 'redirect_uri is longer than 512 characters' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'redirect_uri is not an absolute URL' };
  }
  if (url.protocol !== 'http:') return { ok: false, reason: 'redirect_uri must be http://127.0.0.1:<port>/… or http://[::1]:<port>/…' };
  if (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') {
    return { ok: false, reason: `redirect_uri must use the loopback address 127.0.0.1 or [::1], not ${url.hostname}` };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'redirect_uri must not carry user information' };
  if (value.includes('#')) return { ok: false, reason: 'redirect_uri must not have a fragment' };
  return { ok: true, uri: value };
}

/** `redirect_uri` with the authorization response parameters appended (RFC 6749 §4.1.2), keeping its own query. */
export function withResponseParams(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value);
  return url.href;
}
