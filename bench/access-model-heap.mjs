// Spawned by access-scale.bench.mjs with --expose-gc: the heap one access-model version really holds
// (its lists as the store returns them, and the indexes), beside the approximation rolegate reports
// (rolegate_access_model_bytes). Prints one JSON line: { measuredBytes, approximateBytes }.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { indexAccessModel } from '../dist/domain/access-index.js';
import { largeCompany } from './fixtures/large-company.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const accountsWanted = Number(process.argv[2] ?? 2000);
const demo = parse(readFileSync(path.join(root, 'config/demo-access.yaml'), 'utf8'));
const { document } = largeCompany({ accounts: accountsWanted, mappings: accountsWanted * 2.5, aliceRoles: accountsWanted / 4, base: demo });

// What PrismaAccessStore returns: one object per row, ids as UUIDs, defaults written out.
const accounts = document.accounts.map((a) => ({ id: a.id, alias: a.alias, partition: a.partition ?? 'aws', region: a.region ?? 'us-east-1' }));
const roles = document.roles.map((r) => {
  const [, , , accountId, resource] = r.arn.split(':');
  return {
    id: randomUUID(),
    accountId,
    name: resource.split('/').pop(),
    arn: r.arn,
    exchangeMode: r.mode ?? 'saml',
    ...(r.providerArn ? { providerArn: r.providerArn } : {}),
    maxSessionSeconds: r.maxSessionSeconds ?? 3600,
    description: r.description ?? '',
    ...(r.externalId ? { externalId: r.externalId } : {}),
  };
});
const roleId = new Map(roles.map((r) => [r.arn, r.id]));
const mappings = document.mappings.map((m) => ({
  id: randomUUID(),
  ...(m.idp ? { idp: m.idp } : {}),
  group: m.group,
  match: m.match ?? 'exact',
  roleId: roleId.get(m.role),
  requireMfa: m.requireMfa ?? false,
  ...(m.maxSessionSeconds === undefined ? {} : { maxSessionSeconds: m.maxSessionSeconds }),
  allowedCidrs: m.allowedCidrs ?? [],
  breakGlass: m.breakGlass ?? false,
}));
// Fresh strings, as a database driver returns them (nothing shared with the fixture's objects).
const text = JSON.stringify({ accounts, roles, mappings });
roleId.clear();

const settle = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const before = settle();
const lists = JSON.parse(text);
const index = indexAccessModel(lists);
const after = settle();
console.log(JSON.stringify({ measuredBytes: after - before, approximateBytes: index.approximateBytes, objects: lists.accounts.length + lists.roles.length + lists.mappings.length }));
