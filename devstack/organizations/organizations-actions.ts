import type { Organization, OrgAccount, OrgUnit } from './organization-model.js';
import { checkMaxResults, OrganizationsError, requireString } from './organizations-error.js';
import type { Paging } from './paging.js';

/** What one Organizations action gets: the parsed JSON input, the Organization and the token signer. */
export interface OrganizationsCall {
  input: Record<string, unknown>;
  org: Organization;
  paging: Paging;
}

export type OrganizationsAction = (call: OrganizationsCall) => Record<string, unknown>;

// Patterns from the Organizations API reference (each action's "Request Parameters").
const CHILD_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/** `Status` is the older field; CLOSED and PENDING_ACTIVATION have no Status value, AWS leaves it out. */
function accountView(account: OrgAccount): Record<string, unknown> {
  const status = account.state === 'CLOSED' ? undefined : account.state;
  return {
    Id: account.id,
    Arn: account.arn,
    Email: account.email,
    Name: account.name,
    State: account.state,
    ...(status !== undefined ? { Status: status } : {}),
    JoinedMethod: 'CREATED',
    // JSON 1.1 timestamps are epoch seconds.
    JoinedTimestamp: account.joinedTimestamp.getTime() / 1000,
  };
}

const unitView = (unit: OrgUnit) => ({ Id: unit.id, Arn: unit.arn, Name: unit.name });

const listAccounts: OrganizationsAction = ({ input, org, paging }) => {
  const page = paging.page(org.accounts, 'ListAccounts', input.NextToken, checkMaxResults(input.MaxResults, 20));
  return { Accounts: page.items.map(accountView), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const listParents: OrganizationsAction = ({ input, org }) => {
  const childId = requireString(input, 'ChildId', CHILD_ID);
  const parent = org.parentOf(childId);
  if (!parent)
    throw new OrganizationsError(
      'ChildNotFoundException',
      "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
    );
  return { Parents: [{ Id: parent.id, Type: parent.type }] };
};

const listRoots: OrganizationsAction = ({ input, org }) => {
  checkMaxResults(input.MaxResults, 20);
  return { Roots: [{ Id: org.root.id, Arn: org.root.arn, Name: org.root.name, PolicyTypes: [] }] };
};

const listOrganizationalUnitsForParent: OrganizationsAction = ({ input, org, paging }) => {
  const parentId = requireString(input, 'ParentId', PARENT_ID);
  if (parentId !== org.root.id && !org.unit(parentId))
    throw new OrganizationsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
  const page = paging.page(
    org.unitsUnder(parentId),
    `ListOrganizationalUnitsForParent ${parentId}`,
    input.NextToken,
    checkMaxResults(input.MaxResults, 20),
  );
  return { OrganizationalUnits: page.items.map(unitView), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const describeOrganizationalUnit: OrganizationsAction = ({ input, org }) => {
  const unit = org.unit(requireString(input, 'OrganizationalUnitId', OU_ID));
  if (!unit)
    throw new OrganizationsError(
      'OrganizationalUnitNotFoundException',
      "We can't find an OU with the OrganizationalUnitId that you specified.",
    );
  return { OrganizationalUnit: unitView(unit) };
};

const describeOrganization: OrganizationsAction = ({ org }) => ({
  Organization: {
    Id: org.id,
    Arn: org.arn,
    FeatureSet: 'ALL',
    MasterAccountArn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${org.managementAccountId}`,
    MasterAccountId: org.managementAccountId,
    MasterAccountEmail: org.managementAccountEmail,
    AvailablePolicyTypes: [],
  },
});

/** The actions served, by `X-Amz-Target` operation name, and whether member accounts may call them. */
export const ORGANIZATIONS_ACTIONS: Record<string, { run: OrganizationsAction; members: boolean }> = {
  ListAccounts: { run: listAccounts, members: false },
  ListParents: { run: listParents, members: false },
  ListRoots: { run: listRoots, members: false },
  ListOrganizationalUnitsForParent: { run: listOrganizationalUnitsForParent, members: false },
  DescribeOrganizationalUnit: { run: describeOrganizationalUnit, members: false },
  // Any account of the Organization may describe it (DescribeOrganization, API reference).
  DescribeOrganization: { run: describeOrganization, members: true },
};
