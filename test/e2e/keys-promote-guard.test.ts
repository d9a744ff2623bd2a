import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { IAMClient, UpdateSAMLProviderCommand } from '@aws-sdk/client-iam';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSts } from '../support/devstack.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { idpMetadata, testSigner } from '../support/saml/mint-saml-response.js';
import { repoRoot } from '../support/service-process.js';

// `npm run keys -- promote` refuses while an IAM SAML provider of the access model lacks the next
// key's certificate (read from the devstack's IAM with rolegate's own identity), unless --force.
const run = promisify(execFile);
const entry = path.join(repoRoot, 'dist/signing-keys.js');
const A = '111111111111';
const HUB = { accessKeyId: 'AKIATESTKEYSGUARD001', secretAccessKey: 'keys-guard-test-secret-0123456789' };
const PROVIDER = `arn:aws:iam::${A}:saml-provider/rolegate`;

describe('npm run keys -- promote and the IAM SAML providers', () => {
  let database: TestDatabase;
  let sts: Awaited<ReturnType<typeof startTestSts>>;
  const key = randomBytes(32).toString('base64');
  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: database.url,
    ROLEGATE_ENCRYPTION_KEYS: key,
    ROLEGATE_STS_ENDPOINT: sts.url,
    ROLEGATE_IAM_ENDPOINT: sts.url,
    ROLEGATE_AWS_ACCESS_KEY_ID: HUB.accessKeyId,
    ROLEGATE_AWS_SECRET_ACCESS_KEY: HUB.secretAccessKey,
  });
  const keys = (...args: string[]) => run(process.execPath, [entry, ...args], { env: env(), cwd: repoRoot, timeout: 30_000 });
  const sql = async (text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    sts = await startTestSts({
      accounts: [
        {
          id: A,
          users: [{ name: 'rolegate', accessKeys: [HUB] }],
          samlProviders: [{ name: 'rolegate', metadata: { xml: idpMetadata([testSigner('idp').cert]) } }],
        },
      ],
    });
    await sql(`INSERT INTO aws_accounts (id, alias, updated_at) VALUES ($1, 'sandbox', now())`, [A]);
    await sql(
      `INSERT INTO roles (id, account_id, name, arn, exchange_mode, provider_arn, updated_at) VALUES (gen_random_uuid(), $1, 'Developer', $2, 'saml', $3, now())`,
      [A, `arn:aws:iam::${A}:role/Developer`, PROVIDER],
    );
  }, 30_000);
  afterAll(async () => {
    await sts.close();
    await database.drop();
  });

  it('when the provider lacks the next certificate, then promote refuses (naming it) until the provider holds it or --force is given', async () => {
    await keys('status');
    await keys('prepare', 'saml');
    const refused = await keys('promote', 'saml').catch((e: unknown) => e as { code: number; stderr: string });
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain(`${PROVIDER}: lacks the next key's certificate`);
    expect((refused as { stderr: string }).stderr).toContain('--force');
    const [next] = await sql(`SELECT certificate_pem FROM signing_keys WHERE purpose = 'saml' AND slot = 'next'`);
    const [active] = await sql(`SELECT certificate_pem FROM signing_keys WHERE purpose = 'saml' AND slot = 'active'`);
    const iam = new IAMClient({ endpoint: sts.url, region: 'us-east-1', maxAttempts: 1, credentials: { ...HUB } });
    await iam.send(
      new UpdateSAMLProviderCommand({
        SAMLProviderArn: PROVIDER,
        SAMLMetadataDocument: idpMetadata([String(active?.certificate_pem), String(next?.certificate_pem)]),
      }),
    );
    const promoted = await keys('promote', 'saml');
    expect(promoted.stdout).toMatch(/saml: key \S+ signs from now on/);
    // The next rotation: prepared, not in IAM, promoted anyway with --force.
    await keys('prepare', 'saml');
    await expect(keys('promote', 'saml')).rejects.toMatchObject({ code: 1 });
    expect((await keys('promote', 'saml', '--force')).stdout).toMatch(/saml: key \S+ signs from now on/);
  }, 120_000);
});
