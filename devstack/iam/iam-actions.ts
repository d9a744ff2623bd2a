import {
  addClientIdToOidcProvider,
  createOidcProvider,
  deleteOidcProvider,
  getOidcProvider,
  listOidcProviders,
} from './actions/oidc-providers.js';
import {
  attachRolePolicy,
  createPolicy,
  createPolicyVersion,
  deletePolicy,
  deletePolicyVersion,
  detachRolePolicy,
  getPolicy,
  getPolicyVersion,
  listAttachedRolePolicies,
  listPolicyVersions,
  setDefaultPolicyVersion,
} from './actions/managed-policies.js';
import { deleteRolePolicy, getRolePolicy, listRolePolicies, putRolePolicy } from './actions/role-policies.js';
import { createRole, deleteRole, getRole, listRoles, updateAssumeRolePolicy, updateRole } from './actions/roles.js';
import {
  createSamlProvider,
  deleteSamlProvider,
  getSamlProvider,
  listSamlProviders,
  updateSamlProvider,
} from './actions/saml-providers.js';
import type { IamAction } from './iam-call.js';

/** The IAM subset the devstack serves (Query protocol, version 2010-05-08): docs/devstack.md. */
export const IAM_ACTIONS: Record<string, IamAction> = {
  CreateRole: createRole,
  GetRole: getRole,
  DeleteRole: deleteRole,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  UpdateRole: updateRole,
  ListRoles: listRoles,
  PutRolePolicy: putRolePolicy,
  GetRolePolicy: getRolePolicy,
  DeleteRolePolicy: deleteRolePolicy,
  ListRolePolicies: listRolePolicies,
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  DeletePolicy: deletePolicy,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  CreatePolicyVersion: createPolicyVersion,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  SetDefaultPolicyVersion: setDefaultPolicyVersion,
  DeletePolicyVersion: deletePolicyVersion,
  CreateSAMLProvider: createSamlProvider,
  GetSAMLProvider: getSamlProvider,
  UpdateSAMLProvider: updateSamlProvider,
  ListSAMLProviders: listSamlProviders,
  DeleteSAMLProvider: deleteSamlProvider,
  CreateOpenIDConnectProvider: createOidcProvider,
  GetOpenIDConnectProvider: getOidcProvider,
  ListOpenIDConnectProviders: listOidcProviders,
  DeleteOpenIDConnectProvider: deleteOidcProvider,
  AddClientIDToOpenIDConnectProvider: addClientIdToOidcProvider,
};
