import { request } from 'node:https';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import { fetchLoopback, isLoopbackUrl } from '../../support/loopback.js';

/** The issuer's TLS certificate is not one the provider's thumbprint list names. */
export class ThumbprintMismatch extends Error {}

/**
 * The thumbprint IAM checks for an OIDC provider served over https: the SHA-1 of the top
 * intermediate CA certificate of the chain the issuer presents (the last certificate below a
 * self-signed root; a lone self-signed certificate is its own), lower-case hex.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
 */
export function topIntermediateThumbprint(leaf: DetailedPeerCertificate): string {
  // At run time the last link may lack issuerCertificate (its issuer was neither presented nor trusted).
  interface Link {
    fingerprint: string;
    issuerCertificate?: Link;
  }
  const chain: Link[] = [];
  const seen = new Set<string>();
  for (let cert: Link | undefined = leaf; cert !== undefined && !seen.has(cert.fingerprint); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint);
    chain.push(cert);
  }
  const selfSigned = (c: Link) => (c.issuerCertificate === undefined ? false : c.issuerCertificate.fingerprint === c.fingerprint);
  const belowRoot = chain.filter((c) => !selfSigned(c) || chain.length === 1);
  const top = belowRoot.at(-1) ?? chain[0];
  return (top?.fingerprint ?? '').replace(/:/g, '').toLowerCase();
}

/**
 * GET of an issuer document (discovery or JWKS) on loopback, bounded in time and size. Over
 * https the certificate is not checked against a CA (the devstack's issuers use test
 * certificates): as IAM does for issuers outside its trusted CAs, the chain's thumbprint must be
 * one of the provider's (when it lists any).
 */
export async function fetchIssuerDocument(
  url: string,
  thumbprints: readonly string[],
  timeoutMs = 3000,
  maxBytes = 1_000_000,
): Promise<string> {
  if (!url.startsWith('https:'))
    return fetchLoopback(url, timeoutMs, maxBytes).catch((error: unknown) => {
      throw error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') ? timedOut(url, timeoutMs) : error;
    });
  if (!isLoopbackUrl(url)) throw new Error(`refusing to fetch ${url}: only loopback URLs are allowed`);
  const wanted = new Set(thumbprints.map((t) => t.toLowerCase()));
  return new Promise<string>((resolve, reject) => {
    // No agent: a fresh TLS handshake each time (a resumed session may not show the peer's certificate).
    const req = request(url, { agent: false, rejectUnauthorized: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const socket = res.socket;
      const presented = socket instanceof TLSSocket ? topIntermediateThumbprint(socket.getPeerCertificate(true)) : '';
      if (wanted.size > 0 && !wanted.has(presented)) {
        res.destroy();
        reject(new ThumbprintMismatch(`the certificate of ${new URL(url).host} has thumbprint ${presented}`));
        return;
      }
      if (res.statusCode !== 200) {
        res.destroy();
        reject(new Error(`GET ${url} answered ${String(res.statusCode)}`));
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > maxBytes) {
          res.destroy();
          reject(new Error(`GET ${url} answered more than ${String(maxBytes)} bytes`));
        }
      });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', (error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? new Error(`GET ${url} took longer than ${String(timeoutMs)} ms`)
          : error,
      ),
    );
    req.end();
  });
}

function timedOut(url: string, timeoutMs: number): Error {
  return new Error(`GET ${url} took longer than ${String(timeoutMs)} ms`);
}
