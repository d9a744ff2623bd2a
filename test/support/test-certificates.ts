import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Files of a throwaway certificate authority and one server certificate it signed. */
export interface TestCertificates {
  dir: string;
  /** The CA's certificate (what a client is told to trust). */
  caFile: string;
  /** The server's certificate, for `localhost` only (not 127.0.0.1), signed by the CA. */
  certFile: string;
  /** The server certificate's private key. */
  keyFile: string;
}

/**
 * TEST KEYS ONLY: a certificate authority and a server certificate made with
 * openssl in a fresh temporary directory for this test run, valid one day,
 * never written into the repository. `name` shows up in the CA's subject so a
 * wrong-CA failure says which one was used.
 */
export function makeTestCertificates(name = 'rolegate TEST CA'): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-test-certs-'));
  const file = (base: string) => path.join(dir, base);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', `/CN=${name} (test key, not a secret)`);
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
  );
  return { dir, caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}
