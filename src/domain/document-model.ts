import type { AccessDocument } from './access-document.js';
import type { AccessModelLists } from './access-index.js';
import type { AwsAccount, AwsRole, GroupMapping } from './access-model.js';
import { approvalPolicyOf } from './access-requests.js';
import { parseRoleArn } from './arn.js';

/**
 * The access model a valid document makes, in the shapes the entitlement
 * rules read (what the stores return once the document is applied): role and
 * mapping ids are their place in the document (`roles[2]`, `mappings[5]`), so
 * a decision names the mapping of the file that made it. Used offline
 * (`rolegate test`) to decide with the broker's own code.
 */
export function modelOfDocument(doc: AccessDocument): AccessModelLists {
  const accounts: AwsAccount[] = doc.accounts.map((a) => ({
    id: a.id,
    alias: a.alias,
    partition: a.partition,
    region: a.region,
    ...(a.stsEndpoint !== undefined ? { stsEndpoint: a.stsEndpoint } : {}),
  }));
  const roleIds = new Map<string, string>();
  const roles: AwsRole[] = doc.roles.map((r, i) => {
    const parsed = parseRoleArn(r.arn);
    const id = `roles[${String(i)}]`;
    roleIds.set(r.arn, id);
    return {
      id,
      accountId: parsed.ok ? parsed.value.accountId : '',
      name: parsed.ok ? parsed.value.name : r.arn,
      arn: r.arn,
      exchangeMode: r.mode,
      ...(r.providerArn !== undefined ? { providerArn: r.providerArn } : {}),
      ...(r.externalId !== undefined ? { externalId: r.externalId } : {}),
      maxSessionSeconds: r.maxSessionSeconds,
      description: r.description,
    };
  });
  const mappings: GroupMapping[] = doc.mappings.map((m, i) => {
    const approval = m.access === 'eligible' ? approvalPolicyOf(m.approval) : undefined;
    return {
      id: `mappings[${String(i)}]`,
      ...(m.idp !== undefined ? { idp: m.idp } : {}),
      group: m.group,
      match: m.match,
      roleId: roleIds.get(m.role) ?? '',
      requireMfa: m.requireMfa,
      ...(m.maxSessionSeconds !== undefined ? { maxSessionSeconds: m.maxSessionSeconds } : {}),
      allowedCidrs: [...m.allowedCidrs],
      breakGlass: m.breakGlass,
      ...(approval !== undefined ? { approval } : {}),
    };
  });
  return { accounts, roles, mappings };
}
