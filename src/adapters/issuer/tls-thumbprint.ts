import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import type { IssuerCertificateReader } from '../../ports/issuer-certificate.js';

/**
 * IssuerCertificateReader over node:tls: one handshake with the issuer (SNI = its host name, no
 * session reuse), then the chain it presented. The chain is read, not trusted: the thumbprint is
 * what IAM pins, whoever signed it. Bounded by `timeoutMs` (default 5 s).
 */
export class TlsIssuerCertificateReader implements IssuerCertificateReader {
  constructor(private readonly timeoutMs = 5000) {}

  topIntermediateThumbprint(httpsUrl: string): Promise<string> {
    const url = new URL(httpsUrl);
    if (url.protocol !== 'https:') return Promise.reject(new Error(`${httpsUrl} is not an https URL`));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port: url.port === '' ? 443 : Number(url.port),
        ...(isIP(host) === 0 ? { servername: host } : {}),
        rejectUnauthorized: false,
        session: undefined,
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TLS handshake with ${url.host} within ${String(this.timeoutMs)} ms`));
      }, this.timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        const thumbprint = topIntermediateThumbprint(socket.getPeerCertificate(true));
        socket.end();
        if (thumbprint === '') reject(new Error(`${url.host} presented no certificate`));
        else resolve(thumbprint);
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`cannot reach ${url.host} over TLS: ${error.message}`));
      });
    });
  }
}

/**
 * The top intermediate CA of a presented chain: the last certificate below a self-signed root (Node
 * appends the root from its trust store when it knows it); a lone certificate is its own.
 */
export function topIntermediateThumbprint(leaf: DetailedPeerCertificate): string {
  // At run time a link may lack issuerCertificate (its issuer was neither presented nor trusted).
  interface Link {
    fingerprint?: string;
    issuerCertificate?: Link;
  }
  const chain: Link[] = [];
  const seen = new Set<string>();
  for (
    let cert: Link | undefined = leaf;
    cert?.fingerprint !== undefined && !seen.has(cert.fingerprint);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint);
    chain.push(cert);
  }
  const selfSigned = (c: Link) => c.issuerCertificate?.fingerprint === c.fingerprint;
  const top = chain.filter((c) => !selfSigned(c) || chain.length === 1).at(-1);
  return (top?.fingerprint ?? '').replace(/:/g, '').toLowerCase();
}
