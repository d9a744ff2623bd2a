/** TLS for PostgreSQL connections beyond what the URL says. */
export interface PgTlsOptions {
  /** PEM text of the CAs that may sign the server's certificate (e.g. the RDS bundle), replacing Node's built-in list. */
  ca?: string | undefined;
}

/**
 * node-postgres connection settings for `url` with `tls`. With a CA bundle,
 * every connection uses TLS and verifies the chain against it and the host
 * name against the certificate (libpq's sslmode=verify-full). node-postgres
 * lets the URL's TLS parameters replace an `ssl` object given beside it, so
 * the URL's sslmode (verify-full, or absent: the configuration refuses
 * anything weaker beside a CA file) is taken out and `ssl` says it all.
 */
export function pgConnectionSettings(url: string, tls: PgTlsOptions | undefined): { connectionString: string; ssl?: { ca: string; rejectUnauthorized: true } } {
  if (tls?.ca === undefined) return { connectionString: url };
  const parsed = new URL(url);
  parsed.searchParams.delete('sslmode');
  return { connectionString: parsed.href, ssl: { ca: tls.ca, rejectUnauthorized: true } };
}
