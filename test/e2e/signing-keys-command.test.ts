import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { repoRoot } from '../support/service-process.js';

const run = promisify(execFile);
const entry = path.join(repoRoot, 'dist/signing-keys.js');

describe('npm run keys (the built rotation command)', () => {
  let database: TestDatabase;
  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: database.url,
    ROLEGATE_ENCRYPTION_KEYS: key,
  });
  const key = randomBytes(32).toString('base64');
  const keys = (...args: string[]) => run(process.execPath, [entry, ...args], { env: env(), cwd: repoRoot, timeout: 30_000 });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('when an operator prepares and promotes, then the next key is published first and then signs, and no key material is printed', async () => {
    const first = await keys('status');
    const active = first.stdout.trim().split('\n');
    expect(active).toEqual([expect.stringMatching(/^saml\tactive\t[\w-]{43}$/), expect.stringMatching(/^jwt\tactive\t[\w-]{43}$/)]);

    const prepared = await keys('prepare', 'saml');
    expect(prepared.stdout).toMatch(/^saml: next key [\w-]{43} is published and not signing yet\n/);
    expect(prepared.stdout).toContain('update-saml-provider');
    const nextKid = /next key ([\w-]{43})/.exec(prepared.stdout)?.[1] ?? '';
    expect((await keys('status', 'saml')).stdout).toContain(`saml\tnext\t${nextKid}`);

    const promoted = await keys('promote', 'saml');
    expect(promoted.stdout).toContain(`saml: key ${nextKid} signs from now on`);
    expect(promoted.stdout).toContain(`saml\tactive\t${nextKid}`);
    expect(promoted.stdout).toMatch(/saml\tretired\t/);
    for (const output of [first, prepared, promoted]) expect(output.stdout + output.stderr).not.toMatch(/PRIVATE|BEGIN/);
  }, 60_000);

  it('when the command is unknown, then it prints the usage and exits 1', async () => {
    const error = (await keys('rotate-everything').catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('usage: npm run keys -- <command>');
  }, 30_000);

  it('when the encryption key is wrong, then it refuses and says which key to configure', async () => {
    await keys('status'); // the keys exist, sealed with the right key
    const error = (await run(process.execPath, [entry, 'status'], {
      env: { ...env(), ROLEGATE_ENCRYPTION_KEYS: randomBytes(32).toString('base64') },
      timeout: 30_000,
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/cannot be decrypted .*configure the encryption key it was sealed with in encryption.keys/);
  }, 30_000);
});
