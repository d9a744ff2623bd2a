import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from '../support/private-postgres.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

// Managed PostgreSQL (RDS, Aurora, Cloud SQL…) is reached over TLS with the
// provider's CA bundle and sslmode=verify-full: the built service against a
// PostgreSQL cluster of this test's own with ssl=on and test keys made for
// this run (the shared cluster on 5432 is not touched).

let certificates: TestCertificates;
let otherCa: TestCertificates;
let postgres: PrivatePostgres;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  certificates = makeTestCertificates('rolegate PostgreSQL TEST CA');
  otherCa = makeTestCertificates('an unrelated TEST CA');
  postgres = await PrivatePostgres.start({ tls: certificates });
}, 60_000);

afterAll(async () => {
  await postgres.stop();
});

afterEach(() => {
  for (const service of running.splice(0)) service.kill();
});

function start(env: Record<string, string>): ServiceProcess {
  const service = startService({ env: { ROLEGATE_PORT: '0', ROLEGATE_DB_CONNECT_TIMEOUT_MS: '3000', ...env } });
  running.push(service);
  return service;
}

/** The certificate names localhost only, so verify-full must be reached by that name. */
const byName = (query = '') => `${postgres.urlOf('rolegate', `localhost:${String(postgres.port)}`)}${query}`;

/** Connections to the rolegate database other than this one, and how many of them use TLS. */
async function rolegateConnections(): Promise<{ total: number; tls: number }> {
  const admin = new pg.Client({ connectionString: postgres.urlOf('postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ total: number; tls: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE s.ssl)::int AS tls
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
        WHERE a.datname = 'rolegate' AND a.pid <> pg_backend_pid()`,
    );
    return rows[0] ?? { total: 0, tls: 0 };
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL over TLS with a CA bundle', { timeout: 90_000 }, () => {
  it('when DATABASE_URL asks for sslmode=verify-full and the CA file signs the server, then it migrates, is ready, and every connection is TLS', async () => {
    const service = start({ DATABASE_URL: byName('?sslmode=verify-full'), ROLEGATE_DB_CA_FILE: certificates.caFile });
    const url = await service.ready(60_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const connections = await rolegateConnections();
    expect(connections.total).toBeGreaterThan(0);
    expect(connections.tls).toBe(connections.total);
  });

  it('when the CA file is given and DATABASE_URL has no sslmode, then TLS is used anyway', async () => {
    const service = start({ DATABASE_URL: byName(), ROLEGATE_DB_CA_FILE: certificates.caFile });
    expect((await fetch(`${await service.ready(60_000)}/readyz`)).status).toBe(200);
    const connections = await rolegateConnections();
    expect(connections.tls).toBe(connections.total);
  });

  it('when the CA file is not the one that signed the server, then it exits non-zero naming DATABASE_URL with the TLS reason', async () => {
    const service = start({ DATABASE_URL: byName('?sslmode=verify-full'), ROLEGATE_DB_CA_FILE: otherCa.caFile });
    expect((await service.exit()).code).toBe(69);
    expect(service.stderr()).toMatch(
      /^ {2}database\.url \(DATABASE_URL\): cannot connect to PostgreSQL at localhost:\d+: .*(self-signed certificate in certificate chain|unable to verify|SELF_SIGNED_CERT_IN_CHAIN)/m,
    );
    expect(service.stderr()).not.toMatch(/\n\s+at /);
  });

  it('when the host name is not in the certificate, then the connection is refused (verify-full checks the name)', async () => {
    const service = start({ DATABASE_URL: `${postgres.urlOf('rolegate')}?sslmode=verify-full`, ROLEGATE_DB_CA_FILE: certificates.caFile });
    expect((await service.exit()).code).toBe(69);
    expect(service.stderr()).toMatch(/database\.url \(DATABASE_URL\): cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: .*(altnames|ERR_TLS_CERT_ALTNAME_INVALID)/);
  });

  it('when DATABASE_URL asks for a weaker sslmode beside the CA file, then the configuration is refused', async () => {
    const service = start({ DATABASE_URL: byName('?sslmode=require'), ROLEGATE_DB_CA_FILE: certificates.caFile });
    expect((await service.exit()).code).toBe(78);
    expect(service.stderr()).toContain(
      'database.tls.caFile (env ROLEGATE_DB_CA_FILE): database.url (DATABASE_URL) asks for sslmode=require; with a CA file rolegate always verifies the certificate and host name: use sslmode=verify-full or leave sslmode out',
    );
  });

  it('when the CA file does not exist, then the configuration is refused naming ROLEGATE_DB_CA_FILE', async () => {
    const service = start({ DATABASE_URL: byName(), ROLEGATE_DB_CA_FILE: '/nonexistent/rds-global-bundle.pem' });
    expect((await service.exit()).code).toBe(78);
    expect(service.stderr()).toContain('database.tls.caFile (env ROLEGATE_DB_CA_FILE): cannot read /nonexistent/rds-global-bundle.pem: no such file');
  });
});
