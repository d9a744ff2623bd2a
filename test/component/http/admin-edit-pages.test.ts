import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.js';
import { createTestApp, type TestApp } from '../../support/app.js';

const SANDBOX = '111111111111';
const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;
const PROVIDER = `arn:aws:iam::${SANDBOX}:saml-provider/rolegate`;

const principal = (subject: string, groups: string[]): Principal => ({
  id: `corp:${subject}`,
  idp: 'corp',
  subject,
  username: subject,
  groups,
  authn: { methods: [], mfa: false, authenticatedAt: Date.now() },
});

interface Who {
  cookie: string;
  csrf: string;
}

/**
 * The access edit pages (/admin/access, docs/admin.md#editing-access-on-the-pages) against hostile
 * and stale input: each answer is a precise 4xx page, never a 500, and nothing is written.
 */
describe('the access edit pages, hostile input', () => {
  let t: TestApp;
  let admin: Who;
  let auditor: Who;
  let mappingId: string;

  const signedIn = async (subject: string, groups: string[]): Promise<Who> => {
    const { cookieValue, session } = await t.deps.sessions.create({
      principal: principal(subject, groups),
      ttlMs: 600_000,
      idpSession: { kind: 'oidc' },
    });
    return { cookie: `rolegate_session=${cookieValue}`, csrf: session.csrfToken };
  };
  const page = (who: Who, path: string) => request(t.app).get(path).set('Cookie', who.cookie).set('Accept', 'text/html');
  /** A form post with the session's CSRF token, another one, or (null) none. */
  const post = (who: Who, path: string, form: Record<string, string | string[]>, csrf: string | null = who.csrf) =>
    request(t.app)
      .post(path)
      .set('Cookie', who.cookie)
      .set('Accept', 'text/html')
      .type('form')
      .send({ ...(csrf === null ? {} : { _csrf: csrf }), ...form });
  /** The markup without the whitespace between and inside tags, which carries no meaning. */
  const flat = (text: string) => text.replace(/\s+/g, ' ').replace(/> /g, '>').replace(/ </g, '<').replace(/ \/>/g, '/>');
  const api = (who: Who, method: 'get' | 'post' | 'put', path: string, body?: unknown) => {
    const req = request(t.app)[method](path).set('Cookie', who.cookie).set('X-CSRF-Token', who.csrf);
    return body === undefined ? req : req.send(body as object);
  };
  /** The text beside a field: its error span. */
  const besideField = (html: string, id: string) => new RegExp(`id="${id}-error">([^<]*)<`).exec(flat(html))?.[1];
  const adminEvents = () => t.deps.database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' }, outcome: 'success' } });
  const noStack = (text: string) => expect(text).not.toMatch(/at .*\.(js|ts):\d+/);

  beforeAll(async () => {
    t = await createTestApp({ ROLEGATE_AUDITOR_GROUPS: 'auditors' });
    admin = await signedIn('bob', ['rolegate-admins']);
    auditor = await signedIn('alice', ['auditors']);
    expect((await api(admin, 'post', '/api/v1/admin/accounts', { id: SANDBOX, alias: 'sandbox' })).status).toBe(201);
    expect((await api(admin, 'post', '/api/v1/admin/roles', { arn: DEVELOPER, providerArn: PROVIDER })).status).toBe(201);
    const mapping = await api(admin, 'post', '/api/v1/admin/mappings', { group: 'aws-dev', role: DEVELOPER });
    expect(mapping.status).toBe(201);
    mappingId = (mapping.body as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('when an admin opens the listing and a form, then every object is there with its version and the form carries the CSRF token', async () => {
    const list = await page(admin, '/admin/access');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`<a href="/admin/access/mappings/${mappingId}" aria-label="Edit mapping aws-dev → ${DEVELOPER}">Edit</a>`);
    const form = await page(admin, `/admin/access/mappings/${mappingId}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`name="_csrf" value="${admin.csrf}"`);
    expect(form.text).toContain('<input type="hidden" name="version" value="1" />');
    expect(flat(form.text)).toMatch(/<input id="f-group" name="group" value="aws-dev"/);
  });

  it.each([
    ['a bad role ARN', { role: 'arn:aws:iam::nope' }, 'f-role', 'expected the ARN of a role listed under roles'],
    ['an oversized group', { group: 'g'.repeat(300) }, 'f-group', 'Too big: expected string to have <=256 characters'],
    ['a bad CIDR', { allowedCidrs: '10.0.0.0/8\nnot-a-network' }, 'f-allowedCidrs', 'expected a CIDR such as 10.0.0.0/8'],
    ['letters for seconds', { maxSessionSeconds: 'an hour' }, 'f-maxSessionSeconds', 'Invalid input: expected number, received string'],
    ['MFA age without MFA', { mfaMaxAgeSeconds: '900' }, 'f-mfaMaxAgeSeconds', 'mfaMaxAgeSeconds needs requireMfa: true'],
    [
      'eligible without approvers',
      { access: 'eligible' },
      'f-approval',
      'an eligible mapping needs an approval policy (approverGroups, maxGrant)',
    ],
    [
      'a grant length out of range',
      { access: 'eligible', 'approval.approverGroups': 'sre-leads', 'approval.maxGrant': '9d' },
      'f-approval-maxGrant',
      'expected a duration from 15m to 7d, such as 4h, 90m or 1h30m',
    ],
    [
      'break-glass and eligible',
      { breakGlass: 'on', access: 'eligible', 'approval.approverGroups': 'x', 'approval.maxGrant': '1h' },
      'f-breakGlass',
      'a mapping is either break-glass (self-asserted) or eligible (approved by others), not both',
    ],
    ['a session policy that is not JSON', { sessionPolicy: '{"Version":' }, 'f-sessionPolicy', undefined],
  ])(
    'when a mapping is saved with %s, then the form comes back 400 with the API’s words beside the field',
    async (_what, fields, id, message) => {
      const before = await adminEvents();
      const res = await post(admin, `/admin/access/mappings/${mappingId}`, { version: '1', group: 'aws-dev', role: DEVELOPER, ...fields });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const beside = besideField(res.text, id);
      expect(beside).toBeDefined();
      if (message !== undefined) expect(beside).toBe(message.replace(/</g, '&lt;'));
      expect(flat(res.text)).toMatch(new RegExp(`id="${id}"[^>]* aria-invalid="true"|<fieldset id="${id}" aria-describedby="${id}-error"`));
      // The API's answer to the same body says the same thing.
      expect(res.text).toContain('role="alert"');
      noStack(res.text);
      expect(await adminEvents()).toBe(before);
    },
  );

  it('when the API gets the same bad mapping, then its problem names the same message as the page', async () => {
    const res = await api(admin, 'put', `/api/v1/admin/mappings/${mappingId}`, { group: 'aws-dev', role: 'arn:aws:iam::nope' }).set(
      'If-Match',
      '"1"',
    );
    expect(res.status).toBe(400);
    expect((res.body as { detail: string }).detail).toBe('role: expected the ARN of a role listed under roles');
    const form = await post(admin, `/admin/access/mappings/${mappingId}`, { version: '1', group: 'aws-dev', role: 'arn:aws:iam::nope' });
    expect(form.text).toContain('The mapping was not saved: role: expected the ARN of a role listed under roles');
    expect(flat(form.text)).toContain('<li><a href="#f-role">Role ARN</a>: expected the ARN of a role listed under roles</li>');
  });

  it('when a mapping names a role that is not in the model, then it is 409 with the reason beside the role field', async () => {
    const res = await post(admin, '/admin/access/mappings', { group: 'aws-dev', role: `arn:aws:iam::${SANDBOX}:role/Nope` });
    expect(res.status).toBe(409);
    expect(besideField(res.text, 'f-role')).toBe('role is not listed under roles');
    const viaApi = await api(admin, 'post', '/api/v1/admin/mappings', { group: 'aws-dev', role: `arn:aws:iam::${SANDBOX}:role/Nope` });
    expect(viaApi.status).toBe(409);
    expect((viaApi.body as { issues: unknown }).issues).toEqual([{ path: 'role', message: 'role is not listed under roles' }]);
  });

  it('when an account is added with a bad id and a plain-http STS endpoint, then each problem is beside its field', async () => {
    const res = await post(admin, '/admin/access/accounts', { id: '12345', alias: 'bad alias!', stsEndpoint: 'ftp://x' });
    expect(res.status).toBe(400);
    expect(besideField(res.text, 'f-id')).toBe('expected a 12-digit AWS account id (quote it in YAML)');
    expect(besideField(res.text, 'f-alias')).toBe('expected letters, digits, ., _ or -');
    expect(besideField(res.text, 'f-stsEndpoint')).toBe('expected an http(s) URL');
  });

  it('when a role is added with a provider in another account, then the reason is beside the provider field', async () => {
    const res = await post(admin, '/admin/access/roles', {
      arn: `arn:aws:iam::${SANDBOX}:role/Other`,
      mode: 'saml',
      providerArn: 'arn:aws:iam::999999999999:saml-provider/x',
      maxSessionSeconds: '3600',
    });
    expect(res.status).toBe(400);
    expect(besideField(res.text, 'f-providerArn')).toMatch(/account/);
  });

  it('when a form names an unknown id or a malformed one, then it is a 404 or 400 page, not a 500', async () => {
    for (const path of ['/admin/access/mappings/00000000-0000-0000-0000-000000000000', '/admin/access/accounts/999999999999/delete']) {
      const res = await page(admin, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    }
    // The body is validated first (as the API does), then the id is looked up: with a version read, the object is "gone".
    const unknownPath = '/admin/access/roles/00000000-0000-0000-0000-000000000000';
    const unknown = await post(admin, unknownPath, { arn: DEVELOPER, providerArn: PROVIDER });
    expect(unknown.status).toBe(404);
    const gone = await post(admin, unknownPath, { arn: DEVELOPER, providerArn: PROVIDER, version: '4' });
    expect(gone.status).toBe(404);
    expect(flat(gone.text)).toContain('there is no such role any more');
    expect((await post(admin, `${unknownPath}/delete`, { version: '1' })).status).toBe(404);
    const long = await page(admin, `/admin/access/roles/${'x'.repeat(65)}`);
    expect(long.status).toBe(400);
    noStack(long.text);
  });

  it('when the version is missing, malformed, or a field is sent twice, then it is 428 or 400 and nothing changes', async () => {
    const before = await adminEvents();
    const missing = await post(admin, `/admin/access/mappings/${mappingId}`, { group: 'aws-dev', role: DEVELOPER, requireMfa: 'on' });
    expect(missing.status).toBe(428);
    expect(missing.text).toContain('Send the version you read');
    const malformed = await post(admin, `/admin/access/mappings/${mappingId}`, { version: '"1"', group: 'aws-dev', role: DEVELOPER });
    expect(malformed.status).toBe(400);
    const twice = await post(admin, `/admin/access/mappings/${mappingId}`, { version: '1', group: ['a', 'b'], role: DEVELOPER });
    expect(twice.status).toBe(400);
    expect(twice.text).toContain('The form field group was sent more than once');
    const deleteWithout = await post(admin, `/admin/access/mappings/${mappingId}/delete`, {});
    expect(deleteWithout.status).toBe(428);
    expect(await adminEvents()).toBe(before);
  });

  it('when the CSRF token is missing or wrong, or the form comes from another site, then it is 403 and nothing changes', async () => {
    const before = await adminEvents();
    const form = { version: '1', group: 'aws-dev', role: DEVELOPER, requireMfa: 'on' };
    expect((await post(admin, `/admin/access/mappings/${mappingId}`, form, null)).status).toBe(403);
    expect((await post(admin, `/admin/access/mappings/${mappingId}`, form, 'x'.repeat(43))).status).toBe(403);
    const crossSite = await post(admin, `/admin/access/mappings/${mappingId}`, form).set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite.status).toBe(403);
    expect((await post(admin, `/admin/access/mappings/${mappingId}/delete`, { version: '1' }, 'wrong')).status).toBe(403);
    expect(await adminEvents()).toBe(before);
  });

  it('when a body is larger than the form limit, then it is 413, not a 500', async () => {
    const res = await post(admin, '/admin/access/mappings', { group: 'g', role: DEVELOPER, description: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    noStack(res.text);
  });

  it('when an auditor opens the pages, then they read them without forms; every POST is 403', async () => {
    const list = await page(auditor, '/admin/access');
    expect(list.status).toBe(200);
    expect(list.text).toContain('read-only access (auditor)');
    expect(list.text).not.toContain('Add a mapping');
    const form = await page(auditor, `/admin/access/mappings/${mappingId}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain('<form method="post"');
    expect(flat(form.text)).toMatch(/<input id="f-group" name="group" value="aws-dev"[^>]* disabled/);
    const before = await adminEvents();
    for (const [path, fields] of [
      ['/admin/access/mappings', { group: 'x', role: DEVELOPER }],
      [`/admin/access/mappings/${mappingId}`, { version: '1', group: 'aws-dev', role: DEVELOPER }],
      [`/admin/access/mappings/${mappingId}/delete`, { version: '1' }],
    ] as const) {
      const res = await post(auditor, path, fields);
      expect(res.status, path).toBe(403);
      expect(res.text).toContain('read-only');
    }
    expect(await adminEvents()).toBe(before);
  });

  it('when the form is stale, then the conflict page shows both versions and nothing is overwritten', async () => {
    // Someone else (the API) changes the mapping after the form was read at version 1.
    const changed = await api(admin, 'put', `/api/v1/admin/mappings/${mappingId}`, {
      group: 'aws-dev',
      role: DEVELOPER,
      requireMfa: true,
    }).set('If-Match', '"1"');
    expect(changed.status).toBe(200);
    const res = await post(admin, `/admin/access/mappings/${mappingId}`, {
      version: '1',
      group: 'aws-dev',
      role: DEVELOPER,
      maxSessionSeconds: '1800',
    });
    expect(res.status).toBe(412);
    expect(flat(res.text)).toContain('You read version 1; it is now at version 2');
    expect(res.text).toMatch(/<pre aria-label="Your version"><code>[^<]*maxSessionSeconds: 1800/);
    expect(res.text).toMatch(/<pre aria-label="Current version"><code>[^<]*requireMfa: true/);
    expect(flat(res.text)).toContain('Fields that differ between the two: maxSessionSeconds, requireMfa.');
    const stored = await api(admin, 'get', `/api/v1/admin/mappings/${mappingId}`);
    expect(stored.body).toMatchObject({ version: 2, requireMfa: true });
    expect((stored.body as Record<string, unknown>).maxSessionSeconds).toBeUndefined();

    // A stale delete is refused the same way.
    const deleted = await post(admin, `/admin/access/mappings/${mappingId}/delete`, { version: '1' });
    expect(deleted.status).toBe(412);
    expect(flat(deleted.text)).toContain('it is now at version 2');

    // Saving over the current version on purpose goes through, audited as a page edit.
    const keep = /<form method="post" action="([^"]+)" aria-label="Save your version over version 2">([\s\S]*?)<\/form>/.exec(res.text);
    expect(keep).not.toBeNull();
    const hidden: Record<string, string> = Object.fromEntries(
      [...(keep?.[2] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']),
    );
    expect(hidden).toMatchObject({ version: '2', maxSessionSeconds: '1800', _csrf: admin.csrf });
    const saved = await post(admin, keep?.[1] ?? '', hidden, null);
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/admin/access?saved=mapping&id=${mappingId}`);
    expect((await api(admin, 'get', `/api/v1/admin/mappings/${mappingId}`)).body).toMatchObject({ version: 3, maxSessionSeconds: 1800 });
    const event = await t.deps.database.prisma.auditEvent.findFirst({ where: { type: 'admin.mapping.change' }, orderBy: { at: 'desc' } });
    expect(event).toMatchObject({ subject: 'corp:bob', outcome: 'success' });
    expect(event?.details).toMatchObject({ via: 'page', fields: ['maxSessionSeconds', 'requireMfa'] });
  });

  it('when an object was deleted since the form was read, then saving it is a 404 page that shows what was not saved', async () => {
    const created = await api(admin, 'post', '/api/v1/admin/mappings', { group: 'gone-soon', role: DEVELOPER });
    const id = (created.body as { id: string }).id;
    expect((await api(admin, 'get', `/api/v1/admin/mappings/${id}`)).status).toBe(200);
    expect(
      (
        await request(t.app)
          .delete(`/api/v1/admin/mappings/${id}`)
          .set('Cookie', admin.cookie)
          .set('X-CSRF-Token', admin.csrf)
          .set('If-Match', '"1"')
      ).status,
    ).toBe(204);
    const res = await post(admin, `/admin/access/mappings/${id}`, { version: '1', group: 'gone-soon', role: DEVELOPER });
    expect(res.status).toBe(404);
    expect(flat(res.text)).toContain('was deleted since you opened the form');
    expect(res.text).toContain('group: gone-soon');
  });

  it('when an account that still has roles is deleted, then the confirmation comes back 409 with the reason', async () => {
    const res = await post(admin, `/admin/access/accounts/${SANDBOX}/delete`, { version: '1' });
    expect(res.status).toBe(409);
    expect(flat(res.text)).toContain('Not deleted: The change would break the access model');
  });

  it('when the listing is filtered or paged, then it shows at most 100 rows a section, with links on; a bad query is 400', async () => {
    for (let i = 0; i < 105; i++)
      expect(
        (await api(admin, 'post', '/api/v1/admin/mappings', { group: `team-${String(i).padStart(3, '0')}`, role: DEVELOPER })).status,
      ).toBe(201);
    const overview = flat((await page(admin, '/admin/access')).text);
    expect(overview.match(/aria-label="Edit mapping /g)).toHaveLength(100);
    expect(overview).toContain('<p>1–100 of 106 mappings.</p>');
    expect(overview).toContain('<a href="/admin/access?kind=mapping">Page through all 106 mappings</a>');
    const second = flat((await page(admin, '/admin/access?kind=mapping&offset=100')).text);
    expect(second.match(/aria-label="Edit mapping /g)).toHaveLength(6);
    expect(second).toContain('<p>101–106 of 106 mappings.</p>');
    expect(second).toContain('rel="prev">Previous mappings</a>');
    expect(second).not.toContain('<h2 id="roles">');
    const filtered = flat((await page(admin, '/admin/access?q=TEAM-10')).text);
    expect(filtered).toContain('<p>1–5 of 5 mappings.</p>');
    expect(filtered).toContain('<p>No accounts match the filter.</p>');
    for (const bad of [
      '/admin/access?kind=user',
      '/admin/access?offset=-1',
      `/admin/access?q=${'x'.repeat(201)}`,
      '/admin/access?q=a&q=b',
      '/admin/access?evil=1',
    ]) {
      const res = await page(admin, bad);
      expect(res.status, bad).toBe(400);
      noStack(res.text);
    }
  });

  it('when an admin adds an account and a role, then deletes the role, then each is saved, shown with a notice and audited as a page edit', async () => {
    const account = await post(admin, '/admin/access/accounts', {
      id: '333333333333',
      alias: 'staging',
      region: 'eu-west-1',
      tags: 'staging, eu',
      partition: 'aws',
    });
    expect(account.status).toBe(303);
    expect(account.headers.location).toBe('/admin/access?saved=account&id=333333333333');
    expect(flat((await page(admin, account.headers.location as string)).text)).toContain(
      '<p role="status">Saved the account staging (333333333333) (version 1).</p>',
    );
    const arn = 'arn:aws:iam::333333333333:role/Deployer';
    const role = await post(admin, '/admin/access/roles', {
      arn,
      mode: 'assume-role',
      externalId: 'rolegate-staging',
      maxSessionSeconds: '7200',
      description: 'CI deploys',
    });
    expect(role.status).toBe(303);
    const roleId = /id=([^&]+)$/.exec(role.headers.location as string)?.[1] ?? '';
    expect((await api(admin, 'get', `/api/v1/admin/roles/${roleId}`)).body).toMatchObject({
      arn,
      mode: 'assume-role',
      maxSessionSeconds: 7200,
      version: 1,
    });
    const confirm = await page(admin, `/admin/access/roles/${roleId}/delete`);
    expect(confirm.status).toBe(200);
    expect(flat(confirm.text)).toContain(`arn: ${arn}`);
    const deleted = await post(admin, `/admin/access/roles/${roleId}/delete`, { version: '1' });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.location).toBe('/admin/access?deleted=role');
    expect((await api(admin, 'get', `/api/v1/admin/roles/${roleId}`)).status).toBe(404);
    const events = await t.deps.database.prisma.auditEvent.findMany({
      where: { type: { in: ['admin.account.add', 'admin.role.add', 'admin.role.remove'] }, subject: 'corp:bob' },
      orderBy: { at: 'asc' },
    });
    expect(events.map((e) => [e.type, (e.details as { via: string }).via])).toEqual([
      ['admin.account.add', 'api'],
      ['admin.role.add', 'api'],
      ['admin.account.add', 'page'],
      ['admin.role.add', 'page'],
      ['admin.role.remove', 'page'],
    ]);
  });
});

describe('the access edit pages when access is managed as code', () => {
  let t: TestApp;
  let admin: Who;
  let dir: string;
  const file = `version: 1
accounts:
  - id: '${SANDBOX}'
    alias: sandbox
roles:
  - arn: ${DEVELOPER}
    providerArn: ${PROVIDER}
mappings:
  - group: aws-dev
    role: ${DEVELOPER}
`;
  const flat = (text: string) => text.replace(/\s+/g, ' ').replace(/> /g, '>').replace(/ </g, '<').replace(/ \/>/g, '/>');
  const post = (path: string, form: Record<string, string>) =>
    request(t.app)
      .post(path)
      .set('Cookie', admin.cookie)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: admin.csrf, ...form });
  const counts = async () => ({
    mappings: await t.deps.database.prisma.groupMapping.count(),
    events: await t.deps.database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' }, subject: 'corp:bob' } }),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rolegate-as-code-'));
    writeFileSync(join(dir, 'access.yaml'), file);
    // ROLEGATE_ACCESS_FILE alone turns the mode on (admin.accessAsCode defaults to it).
    t = await createTestApp({ ROLEGATE_ACCESS_FILE: join(dir, 'access.yaml') });
    const { cookieValue, session } = await t.deps.sessions.create({
      principal: principal('bob', ['rolegate-admins']),
      ttlMs: 600_000,
      idpSession: { kind: 'oidc' },
    });
    admin = { cookie: `rolegate_session=${cookieValue}`, csrf: session.csrfToken };
  }, 60_000);
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when an admin opens the pages, then they say the model is managed as code and name the file', async () => {
    const res = await request(t.app).get('/admin/access').set('Cookie', admin.cookie).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(flat(res.text)).toContain('The access model is managed as code');
    expect(res.text).toContain(`applied from <code>${join(dir, 'access.yaml')}</code> at start-up`);
    const form = await request(t.app).get('/admin/access/mappings/new').set('Cookie', admin.cookie).set('Accept', 'text/html');
    expect(flat(form.text)).toContain('<button type="submit">Check and show the YAML</button>');
  });

  it('when an eligible mapping is filled in, then it is checked and shown as the YAML to commit, and nothing is saved', async () => {
    const before = await counts();
    const res = await post('/admin/access/mappings', {
      group: 'team-sre',
      role: DEVELOPER,
      access: 'eligible',
      requireMfa: 'on',
      mfaMaxAgeSeconds: '900',
      allowedCidrs: '10.0.0.0/8',
      'approval.approverGroups': 'sre-leads',
      'approval.approvals': '2',
      'approval.maxGrant': '240m',
      'approval.reasonRequired': 'on',
    });
    expect(res.status).toBe(200);
    const fragment = /<pre aria-label="YAML fragment"><code>([^<]*)<\/code>/.exec(res.text)?.[1] ?? '';
    expect(fragment).toContain('mappings:\n  - group: team-sre\n');
    expect(fragment).toContain('access: eligible');
    expect(fragment).toContain('maxGrant: 4h');
    expect(fragment).toContain('approvals: 2');
    expect(fragment).toContain('- 10.0.0.0/8');
    const whole = /<pre aria-label="Whole access file"><code>([^<]*)<\/code>/.exec(res.text)?.[1] ?? '';
    expect(whole).toContain('group: aws-dev');
    expect(whole).toContain('group: team-sre');
    expect(whole).not.toContain('identityProviders');
    expect(res.text).toContain('rolegate apply -f access.yaml --dry-run');
    expect(await counts()).toEqual(before);
  });

  it('when the edit is invalid, then the same validation answers beside the field, and a deletion is shown as the file without it', async () => {
    const bad = await post('/admin/access/mappings', {
      group: 'x',
      role: DEVELOPER,
      access: 'eligible',
      'approval.approverGroups': 'a',
      'approval.maxGrant': '9d',
    });
    expect(bad.status).toBe(400);
    expect(flat(bad.text)).toContain('id="f-approval-maxGrant-error">expected a duration from 15m to 7d, such as 4h, 90m or 1h30m<');
    const id = (await t.deps.database.prisma.groupMapping.findFirstOrThrow()).id;
    const before = await counts();
    const removed = await post(`/admin/access/mappings/${id}/delete`, { version: '1' });
    expect(removed.status).toBe(200);
    expect(removed.text).toMatch(/Delete this entry\s+from <code>mappings<\/code> in the access file/);
    const whole = /<pre aria-label="Whole access file"><code>([^<]*)<\/code>/.exec(removed.text)?.[1] ?? '';
    expect(whole).toContain('mappings: []');
    expect(await counts()).toEqual(before);
  });
});
