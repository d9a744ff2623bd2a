/**
 * TLS settings of a rediss:// connection beyond what the URL says: the CA
 * bundle that may sign the server's certificate (a private CA) and the name
 * the certificate must carry when it is not the URL's host. Node verifies the
 * certificate chain and host name either way (rejectUnauthorized stays on).
 */
export interface RedisTlsOptions {
  /** PEM text of the trusted CAs, replacing Node's built-in list. */
  ca?: string | undefined;
  /** The name to verify (and send as SNI) instead of the URL's host. */
  servername?: string | undefined;
}

/** node-redis socket options for `tls` (merged with what the URL sets: host, port, tls). */
export function tlsSocketOptions(tls: RedisTlsOptions | undefined): { ca?: string; servername?: string } {
  return {
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
  };
}
