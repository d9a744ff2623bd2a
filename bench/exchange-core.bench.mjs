// The per-request CPU cost of the exchange core, in-process: deciding
// entitlements for a large mapping table, minting a signed SAML response and a
// JWT, sealing/opening a cached credential — beside the irreducible baseline
// of one RSA-2048 signature, measured now, on this machine, the rows interleaved.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { entitlementsFor } = await dist('domain/entitlements.js');
const { signingKeyFromPem } = await dist('adapters/issuer/key-material.js');
const { StaticSigningKeys } = await dist('adapters/issuer/static-signing-keys.js');
const { RolegateIssuer } = await dist('adapters/issuer/rolegate-issuer.js');
const { AesGcmSealer } = await dist('adapters/crypto/aes-gcm-sealer.js');

/**
 * Each operation in turn for SLICE_MS, ROUNDS times round-robin, so every row sees the same load
 * (this VM's speed moves within seconds); a row is the median of its rounds.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SLICE_MS = 200;
async function measureAll(operations) {
  for (const [, fn] of operations) for (let i = 0; i < 20; i++) await fn(); // warm-up
  const perRound = operations.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, [, fn]] of operations.entries()) {
      let n = 0;
      const started = performance.now();
      while (performance.now() - started < SLICE_MS) {
        await fn();
        n++;
      }
      perRound[k].push(((performance.now() - started) * 1000) / n);
    }
  }
  return operations.map(([name], k) => {
    const us = perRound[k].sort((x, y) => x - y)[Math.floor(ROUNDS / 2)];
    return { name, ops: Math.round(1e6 / us), us: us.toFixed(us < 100 ? 2 : 0) };
  });
}

// 50 accounts × 10 roles, 2,000 mappings (10 % globs), a user with 150 groups (Entra ID's SAML maximum).
const accounts = Array.from({ length: 50 }, (_, a) => ({
  id: String(100000000000 + a),
  alias: `acct-${a}`,
  partition: 'aws',
  region: 'eu-west-1',
}));
const roles = accounts.flatMap((acct) =>
  Array.from({ length: 10 }, (_, r) => ({
    id: `${acct.id}-${r}`,
    accountId: acct.id,
    name: `Role${r}`,
    arn: `arn:aws:iam::${acct.id}:role/Role${r}`,
    exchangeMode: 'saml',
    providerArn: `arn:aws:iam::${acct.id}:saml-provider/rolegate`,
    maxSessionSeconds: 43200,
    description: '',
  })),
);
const mappings = Array.from({ length: 2000 }, (_, i) => ({
  id: `m${i}`,
  group: i % 10 === 0 ? `team-${i % 97}-*` : `group-${i}`,
  match: i % 10 === 0 ? 'glob' : 'exact',
  roleId: roles[i % roles.length].id,
  requireMfa: i % 3 === 0,
  allowedCidrs: i % 5 === 0 ? ['10.0.0.0/8', '2001:db8::/32'] : [],
  breakGlass: i % 50 === 0,
}));
const principal = {
  id: 'corp:alice@corp.com',
  idp: 'corp',
  subject: 'alice@corp.com',
  username: 'alice',
  groups: Array.from({ length: 150 }, (_, g) => (g % 2 ? `group-${g * 13}` : `team-${g % 97}-x`)),
  authn: { methods: ['pwd', 'otp'], mfa: true, authenticatedAt: Date.now() },
};
const decided = entitlementsFor({ principal, sourceIp: '10.1.2.3', accounts, roles, mappings, now: Date.now() });
const entitledCount = decided.accounts.reduce((n, a) => n + a.entitled.length, 0);

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
const key = signingKeyFromPem(pem);
const issuerOptions = {
  clock: { now: () => Date.now() },
  entityId: 'https://rolegate.example/saml/metadata',
  portalUrl: 'https://rolegate.example/',
  webIdentityIssuer: 'https://rolegate.example',
  webIdentityAudience: 'sts.amazonaws.com',
  assertionLifetimeSeconds: 300,
};
const issuer = new RolegateIssuer({ ...issuerOptions, keys: new StaticSigningKeys(key, []) });
const samlRequest = {
  userId: 'corp:alice@corp.com',
  sessionName: 'alice@corp.com',
  sourceIdentity: 'alice@corp.com',
  roleArn: 'arn:aws:iam::111122223333:role/Developer',
  providerArn: 'arn:aws:iam::111122223333:saml-provider/rolegate',
  partition: 'aws',
  sessionDurationSeconds: 3600,
  tags: [{ key: 'Email', value: 'alice@corp.com' }],
  transitiveTagKeys: [],
  authenticatedAt: Date.now(),
};
const sealer = new AesGcmSealer([randomBytes(32)], 'cache');
const credential = JSON.stringify({ AccessKeyId: 'ASIA'.padEnd(20, 'X'), SecretAccessKey: 'x'.repeat(40), SessionToken: 'y'.repeat(4000) });
const aad = 'cred:corp:alice@corp.com:arn:aws:iam::111122223333:role/Developer';
const sealed = sealer.seal(credential, aad);

// BENCH_COMPARE_DIST=<dir> (e.g. a build of main in tmp/before/dist): its issuer minting the same request, same run.
const compareDist = process.env.BENCH_COMPARE_DIST;
const compared = compareDist
  ? await (async () => {
      const from = (p) => import(path.join(root, compareDist, p));
      const { RolegateIssuer: Before } = await from('adapters/issuer/rolegate-issuer.js');
      const { StaticSigningKeys: BeforeKeys } = await from('adapters/issuer/static-signing-keys.js');
      const { signingKeyFromPem: beforeKey } = await from('adapters/issuer/key-material.js');
      return new Before({ ...issuerOptions, keys: new BeforeKeys(beforeKey(pem), []) });
    })()
  : undefined;

const signAsync = promisify(sign);
const rows = await measureAll([
  ['baseline: one RSA-2048 PKCS#1 signature', () => sign('sha256', Buffer.from('x'.repeat(1000)), key.privateKey)],
  // The form rolegate signs with (SAML and, through jose, JWTs): node:crypto's callback, on libuv's thread pool.
  ['baseline: the same signature on the thread pool', () => signAsync('sha256', Buffer.from('x'.repeat(1000)), key.privateKey)],
  [
    `entitlementsFor (150 groups, 2,000 mappings, 500 roles → ${entitledCount} entitled)`,
    () => entitlementsFor({ principal, sourceIp: '10.1.2.3', accounts, roles, mappings, now: Date.now() }),
  ],
  ...(compared ? [[`mintSamlResponse, ${compareDist}`, () => compared.mintSamlResponse(samlRequest)]] : []),
  ['mintSamlResponse (build, sign, base64)', () => issuer.mintSamlResponse(samlRequest)],
  ['mintWebIdentityToken (RS256)', () => issuer.mintWebIdentityToken({ userId: 'corp:alice', tags: [], transitiveTagKeys: [] })],
  ['seal 4 KB credential (AES-256-GCM)', () => sealer.seal(credential, aad)],
  ['open 4 KB credential', () => sealer.open(sealed, aad)],
]);
const widths = [Math.max(...rows.map((r) => r.name.length)), 8, 8];
process.stdout.write(`${'operation'.padEnd(widths[0])}  ${'ops/s'.padStart(widths[1])}  ${'µs/op'.padStart(widths[2])}\n`);
for (const r of rows)
  process.stdout.write(`${r.name.padEnd(widths[0])}  ${String(r.ops).padStart(widths[1])}  ${r.us.padStart(widths[2])}\n`);
const [, signature, , mint] = rows.filter((r) => !r.name.startsWith('mintSamlResponse,'));
process.stdout.write(
  `mintSamlResponse / one RSA signature on the thread pool: ${(Number(mint.us) / Number(signature.us)).toFixed(2)}×` +
    (compared
      ? `; this build / ${compareDist}: ${(Number(mint.us) / Number(rows.find((r) => r.name.startsWith('mintSamlResponse,')).us)).toFixed(2)}×`
      : '') +
    '\n',
);
