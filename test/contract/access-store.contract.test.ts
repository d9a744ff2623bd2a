import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PrismaAccessStore } from '../../src/adapters/db/prisma-access-store.js';
import { entitlementsFor } from '../../src/domain/entitlements.js';
import { checkRoleRequest } from '../../src/domain/role-request.js';
import { largeCompany } from '../../bench/fixtures/large-company.mjs';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import { applyAccess, exportAccess } from '../../src/features/admin/apply-access.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';
import { principal } from '../fixtures/access-model.js';

const implementations = databaseImplementations();

describe.each(implementations)('AccessStore contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let store: PrismaAccessStore;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ database, close } = await create());
    store = new PrismaAccessStore(database.prisma);
    const db = database.prisma;
    const corp = await db.identityProvider.create({ data: { slug: 'corp', displayName: 'Corp', kind: 'oidc' } });
    await db.awsAccount.create({ data: { id: '111122223333', alias: 'dev', region: 'eu-west-1' } });
    await db.awsAccount.create({
      data: {
        id: '444455556666',
        alias: 'gov',
        partition: 'aws_us_gov',
        region: 'us-gov-west-1',
        stsEndpoint: 'https://sts.us-gov-west-1.amazonaws.com',
      },
    });
    const developer = await db.role.create({
      data: {
        accountId: '111122223333',
        name: 'Developer',
        arn: 'arn:aws:iam::111122223333:role/Developer',
        providerArn: 'arn:aws:iam::111122223333:saml-provider/rolegate',
        maxSessionSeconds: 14_400,
        description: 'Build and deploy',
      },
    });
    const web = await db.role.create({
      data: {
        accountId: '444455556666',
        name: 'Reader',
        arn: 'arn:aws-us-gov:iam::444455556666:role/Reader',
        exchangeMode: 'web_identity',
        providerArn: 'arn:aws-us-gov:iam::444455556666:oidc-provider/rolegate.corp.example',
      },
    });
    const unmapped = await db.role.create({
      data: {
        accountId: '111122223333',
        name: 'Auditor',
        arn: 'arn:aws:iam::111122223333:role/Auditor',
        exchangeMode: 'assume_role',
        externalId: 'ext-1',
      },
    });
    ids.developer = developer.id;
    ids.web = web.id;
    ids.unmapped = unmapped.id;
    ids.exact = (
      await db.groupMapping.create({
        data: { group: 'aws-dev', roleId: developer.id, maxSessionSeconds: 7200, allowedCidrs: ['10.0.0.0/8'] },
      })
    ).id;
    ids.glob = (
      await db.groupMapping.create({ data: { group: 'aws-*-readers', match: 'glob', roleId: web.id, idpId: corp.id, requireMfa: true } })
    ).id;
    ids.other = (await db.groupMapping.create({ data: { group: 'aws-ops', roleId: unmapped.id, breakGlass: true } })).id;
  });
  afterAll(async () => {
    await close();
  });

  it('when accounts and roles are listed, then they come back in domain shape with partitions and modes spelled as in AWS', async () => {
    expect(await store.listAccounts()).toEqual([
      { id: '111122223333', alias: 'dev', partition: 'aws', region: 'eu-west-1' },
      {
        id: '444455556666',
        alias: 'gov',
        partition: 'aws-us-gov',
        region: 'us-gov-west-1',
        stsEndpoint: 'https://sts.us-gov-west-1.amazonaws.com',
      },
    ]);
    const roles = await store.listRoles();
    expect(roles.map((r) => [r.name, r.exchangeMode])).toEqual([
      ['Auditor', 'assume-role'],
      ['Developer', 'saml'],
      ['Reader', 'web-identity'],
    ]);
    expect(roles[0]).toMatchObject({ externalId: 'ext-1', maxSessionSeconds: 3600, description: '' });
    expect(roles[0]).not.toHaveProperty('providerArn');
  });

  it('when mappings are asked for a user groups, then exact matches and every glob come back, with IdP slugs', async () => {
    const mappings = await store.mappingsForGroups(['aws-dev', 'staff']);
    expect(mappings.map((m) => m.id).sort()).toEqual([ids.exact, ids.glob].sort());
    expect(mappings.find((m) => m.id === ids.glob)).toEqual({
      id: ids.glob,
      idp: 'corp',
      group: 'aws-*-readers',
      match: 'glob',
      roleId: ids.web,
      requireMfa: true,
      allowedCidrs: [],
      breakGlass: false,
    });
    expect(mappings.find((m) => m.id === ids.exact)).toMatchObject({ maxSessionSeconds: 7200, allowedCidrs: ['10.0.0.0/8'] });
    expect(mappings.find((m) => m.id === ids.exact)).not.toHaveProperty('idp');
    expect((await store.listMappings()).map((m) => m.id).sort()).toEqual([ids.exact, ids.glob, ids.other].sort());
  });

  it('when a snapshot is taken for groups, then entitlementsFor decides on it', async () => {
    const who = principal({ groups: ['aws-dev', 'aws-gov-readers'], mfa: false });
    const snapshot = await store.snapshotForGroups(who.groups);
    expect(snapshot.roles.map((r) => r.name).sort()).toEqual(['Developer', 'Reader']);
    expect(snapshot.accounts.map((a) => a.alias).sort()).toEqual(['dev', 'gov']);
    const result = entitlementsFor({ principal: who, sourceIp: '10.2.3.4', ...snapshot, now: Date.now() });
    expect(result.accounts.map((a) => [a.account.alias, a.entitled.map((e) => e.role.name), a.denied.map((d) => d.role.name)])).toEqual([
      ['dev', ['Developer'], []],
      ['gov', [], ['Reader']],
    ]);
    expect(result.accounts[1]?.denied[0]?.mappings[0]?.failures).toEqual([{ condition: 'mfa_required' }]);
    expect(result.accounts[0]?.entitled[0]?.maxSessionSeconds).toBe(7200);
  });

  it('when a role is looked up by account id or alias and name, then it is found; unknown ones are undefined', async () => {
    expect((await store.findRole('dev', 'Developer'))?.role.id).toBe(ids.developer);
    expect((await store.findRole('111122223333', 'developer'))?.role.id).toBe(ids.developer);
    expect((await store.findRole('gov', 'Reader'))?.account.partition).toBe('aws-us-gov');
    expect(await store.findRole('dev', 'Nope')).toBeUndefined();
    expect(await store.findRole('nope', 'Developer')).toBeUndefined();
    const found = await store.findRole('dev', 'Developer');
    const who = principal({ groups: ['aws-dev'] });
    const result = checkRoleRequest(
      entitlementsFor({ principal: who, sourceIp: '10.0.0.1', ...(await store.snapshotForGroups(who.groups)), now: Date.now() }),
      { accounts: found ? [found.account] : [], roles: found ? [found.role] : [] },
      { account: 'dev', role: 'Developer' },
    );
    expect(result.ok).toBe(true);
  });

  it('when a catalog is asked for a request, then checkRoleRequest tells unknown accounts and roles from roles that are not yours', async () => {
    const who = principal({ groups: ['aws-dev'] });
    const entitlements = entitlementsFor({
      principal: who,
      sourceIp: '10.0.0.1',
      ...(await store.snapshotForGroups(who.groups)),
      now: Date.now(),
    });
    const check = async (account: string, role: string) => {
      const result = checkRoleRequest(entitlements, await store.catalogFor(account, role), { account, role });
      return result.ok ? 'ok' : result.reason;
    };
    expect(await check('dev', 'Developer')).toBe('ok');
    expect(await check('111122223333', 'arn:aws:iam::111122223333:role/Developer')).toBe('ok');
    expect(await check('dev', 'Auditor')).toBe('not_entitled');
    expect(await check('dev', 'Nope')).toBe('unknown_role');
    expect(await check('staging', 'Developer')).toBe('unknown_account');
  });

  it('when the model is larger than a page, then the whole-model lists hold every row once, in the store order', async () => {
    const company = largeCompany({ accounts: 1100, mappings: 2750, aliceRoles: 275, idp: 'corp' }).document;
    const admin = new PrismaAccessAdminStore(database.prisma);
    const logger = captureLogs().logger;
    await applyAccess(
      {
        store: admin,
        accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
        logger,
        transport: { production: false, allowInsecureLoopback: false },
      },
      { principal: { id: 'corp:admin', idp: 'corp', groups: [] }, requestId: 'r', log: logger },
      { ...company, accounts: [...(await exportAccess({ store: admin } as never)).accounts, ...company.accounts] },
    );
    const [roles, mappings] = await Promise.all([store.listRoles(), store.listMappings()]);
    const expectedRoles = await database.prisma.role.findMany({ orderBy: [{ accountId: 'asc' }, { name: 'asc' }], select: { id: true } });
    const expectedMappings = await database.prisma.groupMapping.findMany({
      orderBy: [{ group: 'asc' }, { id: 'asc' }],
      select: { id: true },
    });
    expect(expectedRoles.length).toBe(11_000);
    expect(expectedMappings.length).toBe(2750);
    expect(roles.map((r) => r.id)).toEqual(expectedRoles.map((r) => r.id));
    expect(mappings.map((m) => m.id)).toEqual(expectedMappings.map((m) => m.id));
  }, 120_000);
});
