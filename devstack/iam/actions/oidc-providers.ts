import type { OidcProviderEntry } from '../../sts/model/iam-world.js';
import { StsError } from '../../sts/protocol/sts-error.js';
import type { XmlTree } from '../../sts/protocol/xml.js';
import { authorizeIam, callerAccount, isoDate, type IamCall } from '../iam-call.js';

const PROVIDER_ARN = { pattern: /^arn:[\w+=/,.@-]+:iam::\d{12}:oidc-provider\/.+$/, patternText: 'arn:…:oidc-provider/…' };
const providerArn = (call: IamCall) =>
  call.params.required('OpenIDConnectProviderArn', 'openIDConnectProviderArn', { min: 20, max: 2048, ...PROVIDER_ARN });

function requireProvider(call: IamCall, arn: string): OidcProviderEntry {
  const provider = call.services.world.oidcProviders.get(arn);
  if (!provider || provider.account !== callerAccount(call))
    throw new StsError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
  return provider;
}

/**
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
 * AWS requires https://; the devstack also takes http:// (its issuers run on loopback).
 */
export function createOidcProvider(call: IamCall): XmlTree {
  const rawUrl = call.params.required('Url', 'url', { min: 1, max: 255 });
  const clientIds = call.params.list('ClientIDList');
  const thumbprints = call.params.list('ThumbprintList');
  call.params.assertValid();
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(rawUrl)) throw new StsError('InvalidInput', `Invalid Url: ${rawUrl}`);
  if (clientIds.length > 100) throw new StsError('LimitExceeded', 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100');
  if (clientIds.some((id) => id.length < 1 || id.length > 255))
    throw new StsError('InvalidInput', 'Each client id must have 1 to 255 characters.');
  if (thumbprints.length > 5) throw new StsError('LimitExceeded', 'Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5');
  if (thumbprints.some((t) => !/^[0-9a-fA-F]{40}$/.test(t)))
    throw new StsError('InvalidInput', 'Each thumbprint must be 40 hexadecimal characters.');
  const url = rawUrl.replace(/\/+$/, '');
  const issuerId = url.replace(/^https?:\/\//, '');
  const account = callerAccount(call);
  const arn = `arn:${account.partition}:iam::${account.id}:oidc-provider/${issuerId}`;
  authorizeIam(call, 'iam:CreateOpenIDConnectProvider', arn);
  if (call.services.world.oidcProviders.has(arn)) throw new StsError('EntityAlreadyExists', `Provider with url ${rawUrl} already exists.`);
  call.services.world.oidcProviders.set(arn, {
    arn,
    url,
    issuerId,
    clientIds: [...new Set(clientIds)],
    thumbprints,
    account,
    createDate: call.services.now(),
  });
  return { OpenIDConnectProviderArn: arn };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOpenIDConnectProvider.html (Url without its scheme, as IAM answers). */
export function getOidcProvider(call: IamCall): XmlTree {
  const arn = providerArn(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:GetOpenIDConnectProvider', arn);
  const provider = requireProvider(call, arn);
  return {
    Url: provider.issuerId,
    ClientIDList: provider.clientIds,
    ThumbprintList: provider.thumbprints,
    CreateDate: isoDate(provider.createDate),
  };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOpenIDConnectProviders.html */
export function listOidcProviders(call: IamCall): XmlTree {
  call.params.assertValid();
  authorizeIam(call, 'iam:ListOpenIDConnectProviders', '*');
  const account = callerAccount(call);
  const providers = [...call.services.world.oidcProviders.values()].filter((p) => p.account === account);
  return { OpenIDConnectProviderList: providers.map((p) => ({ Arn: p.arn })) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteOpenIDConnectProvider.html */
export function deleteOidcProvider(call: IamCall): XmlTree {
  const arn = providerArn(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:DeleteOpenIDConnectProvider', arn);
  requireProvider(call, arn);
  call.services.world.oidcProviders.delete(arn);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddClientIDToOpenIDConnectProvider.html (adding a present id changes nothing). */
export function addClientIdToOidcProvider(call: IamCall): XmlTree {
  const arn = providerArn(call);
  const clientId = call.params.required('ClientID', 'clientID', { min: 1, max: 255 });
  call.params.assertValid();
  authorizeIam(call, 'iam:AddClientIDToOpenIDConnectProvider', arn);
  const provider = requireProvider(call, arn);
  if (!provider.clientIds.includes(clientId)) {
    if (provider.clientIds.length >= 100)
      throw new StsError('LimitExceeded', 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100');
    provider.clientIds.push(clientId);
  }
  return {};
}
