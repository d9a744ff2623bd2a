import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeCompany, renderAccessFile } from '../../bench/fixtures/large-company.mjs';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';

const demo = parse(readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8')) as Record<string, never>;
/** A company of 700 accounts over the demo model: a 1.7 MB file, beyond the 1 MiB every other admin body is held to. */
const company = largeCompany({ accounts: 700, mappings: 1750, aliceRoles: 175, base: demo });
const companyYaml = renderAccessFile(company.document);

interface ApplyAnswer {
  summary: { add: number; change: number; remove: number };
  applied: boolean;
  changes: { kind: string; action: string; key: string }[];
}

// Each test moves a few MB through YAML parsing and the database: seconds, more on a busy machine.
describe('access as code at scale', { timeout: 120_000 }, () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;

  /** POSTs a raw body as bob (an administrator) with the given media type. */
  const post = (path: string, body: string, contentType: string) =>
    bob.browser.request(`${world.app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-csrf-token': bob.csrfToken },
      body,
    });

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when a file larger than 1 MiB is planned as application/yaml, then the plan lists every object to add', async () => {
    expect(Buffer.byteLength(companyYaml)).toBeGreaterThan(1_500_000);
    const res = await post('/api/v1/admin/access/plan', companyYaml, 'application/yaml');
    expect(res.status).toBe(200);
    const plan = (await res.json()) as ApplyAnswer;
    expect(plan.applied).toBe(false);
    expect(plan.summary.add).toBe(
      company.document.accounts.length + company.document.roles.length + company.document.mappings.length - (2 + 8 + 8),
    );
  });

  it('when it is applied as JSON {yaml} (what rolegate apply sends), then it is applied and alice sees her hundreds of roles', async () => {
    const res = await bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml: companyYaml, source: 'company.yaml' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ApplyAnswer).applied).toBe(true);
    const roles = await alice.api('/api/v1/roles');
    const body = (await roles.json()) as { accounts: { roles: unknown[] }[] };
    expect(body.accounts.flatMap((a) => a.roles).length).toBeGreaterThan(175);
    const again = await post('/api/v1/admin/access/plan', companyYaml, 'application/yaml');
    expect(((await again.json()) as ApplyAnswer).summary).toEqual({ add: 0, change: 0, remove: 0 });
  });

  it('when one line of the large file changes, then the plan shows that one change', async () => {
    const changed = companyYaml.replace('description: "Developer in payments account 0"', 'description: "Developer, renamed"');
    expect(changed).not.toBe(companyYaml);
    const res = await post('/api/v1/admin/access/plan', changed, 'text/yaml');
    const plan = (await res.json()) as ApplyAnswer;
    expect(plan.changes).toEqual([
      expect.objectContaining({ kind: 'role', action: 'change', key: 'arn:aws:iam::300000000000:role/Developer' }),
    ]);
  });

  it('when the large file has a YAML error near its end, then 400 gives its line and column', async () => {
    const lines = companyYaml.split('\n');
    const at = lines.length - 5;
    lines[at] = '    requireMfa: [unclosed';
    const res = await post('/api/v1/admin/access/plan', lines.join('\n'), 'application/yaml');
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; problems: { line?: number; column?: number }[] };
    expect(problem.code).toBe('invalid_request');
    expect(problem.problems[0]?.line).toBeGreaterThan(at - 2);
  });

  it('when a value holds a NUL character, then the apply is refused with 400 and nothing changes', async () => {
    const before = await post('/api/v1/admin/access/plan', companyYaml, 'application/yaml');
    const nul = companyYaml.replace('description: "Developer in payments account 0"', 'description: "Developer\\0 in payments"');
    const res = await post('/api/v1/admin/access/apply', nul, 'application/yaml');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/NUL/);
    const after = await post('/api/v1/admin/access/plan', companyYaml, 'application/yaml');
    expect(await after.json()).toEqual(await before.json());
  });

  it.each([
    [
      'the access-file limit (64 MiB)',
      '/api/v1/admin/access/plan',
      64 * 1024 * 1024 + 1,
      'The access file is larger than admin.accessFileMaxBytes (ROLEGATE_ACCESS_FILE_MAX_BYTES): 67108864 bytes (64 MiB), counting the JSON around it; raise the setting to send a larger file',
    ],
    ['1 MiB on another admin endpoint', '/api/v1/admin/mappings', 1024 * 1024 + 1, 'The request body is larger than the 1 MiB this endpoint accepts'],
  ])('when a body is larger than %s, then 413 names the limit and nothing is read', async (_what, path, size, detail) => {
    const res = await post(path, `{"yaml": "${'x'.repeat(size)}"}`, 'application/json');
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large', detail, limitBytes: size - 1 });
  });

  it.each(['application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x'])(
    'when the access file is sent as %s, then 415',
    async (type) => {
      const res = await post('/api/v1/admin/access/plan', 'version: 1\n', type);
      expect(res.status).toBe(415);
    },
  );
});

// admin.accessFileMaxBytes set to 32 MiB: a company's file of tens of MB goes through plan, one above it is refused naming the limit.
describe('access files of tens of MB', { timeout: 300_000 }, () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  const limit = 32 * 1024 * 1024;
  /** 10,400 accounts × 10 roles, 26,000 mappings: a 25 MB file. */
  const huge = largeCompany({ accounts: 10_400, mappings: 26_000, aliceRoles: 2600, base: demo });
  const hugeYaml = renderAccessFile(huge.document);

  beforeAll(async () => {
    world = await startAdminWorld({ ROLEGATE_ACCESS_FILE_MAX_BYTES: String(limit) });
    bob = await world.signIn('bob');
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when a 25 MB file is planned as JSON {yaml} (what rolegate apply sends), then it is read whole and every object is in the plan', async () => {
    expect(Buffer.byteLength(hugeYaml)).toBeGreaterThan(24_000_000);
    expect(Buffer.byteLength(hugeYaml)).toBeLessThan(limit - 1024);
    const res = await bob.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: hugeYaml, source: 'company.yaml' } });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as ApplyAnswer;
    expect(plan.summary.add).toBe(huge.document.accounts.length + huge.document.roles.length + huge.document.mappings.length - (2 + 8 + 8));
  });

  it('when the file is larger than the configured limit, then 413 names the setting and its value, and the instance keeps answering', async () => {
    const padded = `${hugeYaml}#${'x'.repeat(limit - Buffer.byteLength(hugeYaml))}\n`;
    const res = await bob.browser.request(`${world.app.url}/api/v1/admin/access/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', 'x-csrf-token': bob.csrfToken },
      body: padded,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: 'payload_too_large',
      detail: expect.stringContaining('admin.accessFileMaxBytes (ROLEGATE_ACCESS_FILE_MAX_BYTES): 33554432 bytes (32 MiB)') as unknown,
      limitBytes: limit,
    });
    expect((await bob.api('/api/v1/me')).status).toBe(200);
  });
});

// A request's database limits (database.statementTimeoutMs, queryTimeoutMs) bound one statement of a
// request; an access file applied whole runs set-based statements of thousands of rows, bounded by
// admin.applyTimeoutMs instead. Here the request limits are far below what those statements take.
describe('access as code with tight request limits on the database', { timeout: 180_000 }, () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  const whole = largeCompany({ accounts: 2000, mappings: 5000, aliceRoles: 500, base: demo });

  beforeAll(async () => {
    world = await startAdminWorld({ ROLEGATE_DB_STATEMENT_TIMEOUT_MS: '150', ROLEGATE_DB_QUERY_TIMEOUT_MS: '1500' });
    bob = await world.signIn('bob');
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when 20,000 roles are applied at once, then the apply succeeds and a plan of the same file finds nothing to do', async () => {
    const yaml = renderAccessFile(whole.document);
    const res = await bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml, source: 'company.yaml' } });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as ApplyAnswer;
    expect(answer.applied).toBe(true);
    expect(answer.summary.add).toBeGreaterThan(20_000);
    const again = await bob.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml } });
    expect(((await again.json()) as ApplyAnswer).summary).toEqual({ add: 0, change: 0, remove: 0 });
  });
});
