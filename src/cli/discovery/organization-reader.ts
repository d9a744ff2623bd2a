import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
  type Account,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { OrganizationAccount, OrganizationAccountState } from '../../domain/account-discovery.js';

interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface ReadOrganizationOptions {
  /** A role in the management account to assume first; without it, the caller's own credentials are used. */
  roleArn?: string;
  /** Organizations' Region (its endpoint is global: us-east-1 in the aws partition). */
  region: string;
  /** Gives up (AbortError) when the whole listing takes longer. */
  signal: AbortSignal;
  /** ListParents / DescribeOrganizationalUnit calls in flight at once. */
  concurrency?: number;
}

/** SDK clients that fail within seconds on a dead endpoint instead of hanging (bounded failure). */
const clientSettings = (region: string) => ({
  region,
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 15_000, throwOnRequestTimeout: true }),
});

/**
 * Every account of the Organization with its OU path: ListAccounts (all pages,
 * 20 per page, the API's maximum), then ListParents per account and, once per OU,
 * DescribeOrganizationalUnit and ListParents up to the root.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
 * Credentials come from the SDK's default chain (AWS_PROFILE, SSO, environment…).
 */
export async function readOrganization(options: ReadOrganizationOptions): Promise<OrganizationAccount[]> {
  const credentials = options.roleArn ? await assumeRole(options.roleArn, options.region, options.signal) : undefined;
  const client = new OrganizationsClient({ ...clientSettings(options.region), ...(credentials ? { credentials } : {}) });
  try {
    const accounts: Account[] = [];
    for await (const page of paginateListAccounts({ client, pageSize: 20 }, {}, { abortSignal: options.signal }))
      accounts.push(...(page.Accounts ?? []));
    const paths = new Map<string, Promise<string>>();
    const parentOf = async (childId: string) => {
      const answer = await client.send(new ListParentsCommand({ ChildId: childId }), { abortSignal: options.signal });
      const parent = answer.Parents?.[0];
      if (!parent?.Id) throw new Error(`ListParents named no parent for ${childId}`);
      return parent;
    };
    const pathOf = (parentId: string, type: string | undefined): Promise<string> => {
      if (type === 'ROOT') return Promise.resolve('/');
      let path = paths.get(parentId);
      if (!path) {
        path = (async () => {
          const [unit, parent] = await Promise.all([
            client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parentId }), { abortSignal: options.signal }),
            parentOf(parentId),
          ]);
          const above = await pathOf(parent.Id ?? '', parent.Type);
          return `${above === '/' ? '' : above}/${unit.OrganizationalUnit?.Name ?? parentId}`;
        })();
        paths.set(parentId, path);
      }
      return path;
    };
    return await mapLimited(accounts, options.concurrency ?? 8, async (account) => {
      const id = account.Id ?? '';
      const parent = await parentOf(id);
      return { id, name: account.Name ?? id, state: stateOf(account), ouPath: await pathOf(parent.Id ?? '', parent.Type) };
    });
  } finally {
    client.destroy();
  }
}

/** `State` is the current field; older answers carry only `Status` (no CLOSED value). */
function stateOf(account: Account): OrganizationAccountState {
  const state = account.State ?? account.Status ?? 'ACTIVE';
  return (['ACTIVE', 'SUSPENDED', 'PENDING_ACTIVATION', 'PENDING_CLOSURE', 'CLOSED'] as const).find((s) => s === state) ?? 'ACTIVE';
}

async function assumeRole(roleArn: string, region: string, signal: AbortSignal): Promise<AwsCredentialIdentity> {
  const sts = new STSClient(clientSettings(region));
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rolegate-account-discovery', DurationSeconds: 900 }),
      {
        abortSignal: signal,
      },
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole answered without credentials');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  } finally {
    sts.destroy();
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
