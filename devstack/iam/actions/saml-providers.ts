import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SamlProviderEntry } from '../../sts/model/iam-world.js';
import { StsError } from '../../sts/protocol/sts-error.js';
import type { XmlTree } from '../../sts/protocol/xml.js';
import { parseSamlMetadata } from '../../sts/saml/saml-metadata.js';
import { fetchLoopback } from '../../support/loopback.js';
import { authorizeIam, callerAccount, isoDate, type IamCall } from '../iam-call.js';

const PROVIDER_ARN = { pattern: /^arn:[\w+=/,.@-]+:iam::\d{12}:saml-provider\/[\w._-]{1,128}$/, patternText: 'arn:…:saml-provider/…' };

/** The metadata document: 1,000 to 10,000,000 characters (API reference), and one the devstack can verify signatures with. */
function metadataDocument(call: IamCall): string {
  return call.params.required('SAMLMetadataDocument', 'sAMLMetadataDocument', { min: 1000, max: 10_000_000 });
}

function checkMetadata(xml: string): void {
  try {
    parseSamlMetadata(xml);
  } catch (error) {
    throw new StsError('InvalidInput', `Could not parse metadata: ${(error as Error).message}`);
  }
}

function requireProvider(call: IamCall, arn: string): SamlProviderEntry {
  const provider = call.services.world.samlProviders.get(arn);
  if (!provider || provider.account !== callerAccount(call)) throw new StsError('NoSuchEntity', `Manifest not found for arn ${arn}`);
  return provider;
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html */
export function createSamlProvider(call: IamCall): XmlTree {
  const name = call.params.required('Name', 'name', { min: 1, max: 128, pattern: /^[\w._-]+$/, patternText: '[\\w._-]+' });
  const xml = metadataDocument(call);
  call.params.assertValid();
  const account = callerAccount(call);
  const arn = `arn:${account.partition}:iam::${account.id}:saml-provider/${name}`;
  authorizeIam(call, 'iam:CreateSAMLProvider', arn);
  if (call.services.world.samlProviders.has(arn)) throw new StsError('EntityAlreadyExists', `SAMLProvider ${name} already exists.`);
  checkMetadata(xml);
  call.services.world.samlProviders.set(arn, { arn, name, account, metadata: { xml }, createDate: call.services.now() });
  return { SAMLProviderArn: arn };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetSAMLProvider.html */
export async function getSamlProvider(call: IamCall): Promise<XmlTree> {
  const arn = call.params.required('SAMLProviderArn', 'sAMLProviderArn', { min: 20, max: 2048, ...PROVIDER_ARN });
  call.params.assertValid();
  authorizeIam(call, 'iam:GetSAMLProvider', arn);
  const provider = requireProvider(call, arn);
  return { SAMLMetadataDocument: await metadataText(call, provider), CreateDate: isoDate(provider.createDate) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateSAMLProvider.html (the new metadata replaces the old at once). */
export function updateSamlProvider(call: IamCall): XmlTree {
  const arn = call.params.required('SAMLProviderArn', 'sAMLProviderArn', { min: 20, max: 2048, ...PROVIDER_ARN });
  const xml = metadataDocument(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:UpdateSAMLProvider', arn);
  const provider = requireProvider(call, arn);
  checkMetadata(xml);
  provider.metadata = { xml };
  return { SAMLProviderArn: arn };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListSAMLProviders.html */
export function listSamlProviders(call: IamCall): XmlTree {
  call.params.assertValid();
  authorizeIam(call, 'iam:ListSAMLProviders', '*');
  const account = callerAccount(call);
  const providers = [...call.services.world.samlProviders.values()].filter((p) => p.account === account);
  return { SAMLProviderList: providers.map((p) => ({ Arn: p.arn, CreateDate: isoDate(p.createDate) })) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteSAMLProvider.html */
export function deleteSamlProvider(call: IamCall): XmlTree {
  const arn = call.params.required('SAMLProviderArn', 'sAMLProviderArn', { min: 20, max: 2048, ...PROVIDER_ARN });
  call.params.assertValid();
  authorizeIam(call, 'iam:DeleteSAMLProvider', arn);
  requireProvider(call, arn);
  call.services.world.samlProviders.delete(arn);
  return {};
}

/** The metadata XML as IAM holds it; a YAML provider with a file or URL source is read now. */
async function metadataText(call: IamCall, provider: SamlProviderEntry): Promise<string> {
  const source = provider.metadata;
  try {
    if ('xml' in source) return source.xml;
    if ('file' in source) return await readFile(resolve(call.services.samlMetadata.baseDir, source.file), 'utf8');
    return await fetchLoopback(source.url);
  } catch (error) {
    throw new StsError('InternalFailure', `metadata of ${provider.arn} could not be read: ${(error as Error).message}`, 500);
  }
}
