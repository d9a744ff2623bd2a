import { GetOpenIDConnectProviderCommand, GetRoleCommand, GetSAMLProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import { reportingFailuresAs } from '../dependency-failures.js';
import { certificatesInMetadata, type ObservedIam } from '../../domain/iam-diagnosis.js';
import type { TemplateAccount } from '../../domain/iam-template.js';
import type { IamReader, IamReadRequest } from '../../ports/iam-reader.js';
import type { StsEndpoint, StsGateway } from '../../ports/sts-gateway.js';

export interface IamReaderOptions {
  sts: StsGateway;
  stsEndpointFor: (account: TemplateAccount) => StsEndpoint;
  /** IAM's endpoint for the account's partition (or the devstack's). */
  iamEndpointFor: (account: TemplateAccount) => { url: string; region: string };
  /** rolegate's own (hub) credentials; undefined uses the SDK's default provider chain, as the STS gateway does. */
  hubCredentials?: AwsCredentialIdentity;
  /** Per IAM request (default 5 s) and connection (2 s); two attempts at most. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** A refusal of the reading identity: the account's IAM cannot be read, which doctor reports as a finding. */
class Unreadable extends Error {}

/** Sessions of the reader and revoker check: short, and named so CloudTrail shows who read. */
const SESSION = { roleSessionName: 'rolegate-doctor', durationSeconds: 900 };

/**
 * IamReader with the official SDK (docs/exchange.md#rolegate-doctor). Which identity reads an
 * account: rolegate's hub identity, which only reads its own account's IAM (IAM acts in the
 * caller's account), or — with `readerRoleName` — that role in each account, assumed by the hub.
 * A refusal (AccessDenied, a reader role that cannot be assumed, the hub in another account) is
 * `unreadable`, a finding; IAM unreachable or timing out is dependency_unavailable (the factory
 * below wraps the adapter). The revoker check is the hub's own AssumeRole with the ExternalId.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
 */
class AwsSdkIamReader implements IamReader {
  readonly #handler: NodeHttpHandler;

  constructor(private readonly options: IamReaderOptions) {
    this.#handler = new NodeHttpHandler({
      connectionTimeout: options.connectTimeoutMs ?? 2000,
      requestTimeout: options.requestTimeoutMs ?? 5000,
      // Without it the SDK only logs a warning and keeps waiting on a stalled connection.
      throwOnRequestTimeout: true,
    });
  }

  async read(account: TemplateAccount, wanted: IamReadRequest, reader: { roleName?: string } = {}): Promise<ObservedIam> {
    const observed: ObservedIam = { samlProviders: new Map(), oidcProviders: new Map(), roles: new Map() };
    if (account.revoker) observed.revokerAssumable = await this.#revokerAssumable(account);
    try {
      const client = await this.#clientFor(account, reader.roleName);
      const saml = observed.samlProviders as Map<string, { certificates: string[] } | undefined>;
      for (const arn of wanted.samlProviderArns) {
        const got = await this.#get(() => client.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn })));
        saml.set(arn, got ? { certificates: certificatesInMetadata(got.SAMLMetadataDocument ?? '') } : undefined);
      }
      const oidc = observed.oidcProviders as Map<string, { url: string; clientIds: string[] } | undefined>;
      for (const arn of wanted.oidcProviderArns) {
        const got = await this.#get(() => client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
        oidc.set(arn, got ? { url: got.Url ?? '', clientIds: got.ClientIDList ?? [] } : undefined);
      }
      const roles = observed.roles as Map<string, { trustPolicy: unknown; maxSessionDuration: number } | undefined>;
      for (const name of wanted.roleNames) {
        const got = (await this.#get(() => client.send(new GetRoleCommand({ RoleName: name }))))?.Role;
        roles.set(
          name,
          got
            ? { trustPolicy: trustPolicyOf(got.AssumeRolePolicyDocument), maxSessionDuration: got.MaxSessionDuration ?? 3600 }
            : undefined,
        );
      }
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      observed.unreadable = error.message;
    }
    return observed;
  }

  async #clientFor(account: TemplateAccount, readerRoleName: string | undefined): Promise<IAMClient> {
    const iam = this.options.iamEndpointFor(account);
    const common = { endpoint: iam.url, region: iam.region, maxAttempts: 2, requestHandler: this.#handler };
    if (readerRoleName !== undefined) {
      const roleArn = `arn:${account.partition}:iam::${account.id}:role/${readerRoleName}`;
      let assumed;
      try {
        assumed = await this.options.sts.assumeRole({ endpoint: this.options.stsEndpointFor(account), roleArn, ...SESSION });
      } catch (error) {
        if (isRefusal(error)) throw new Unreadable(`cannot assume the reader role ${roleArn}: ${messageOf(error)}`);
        throw error;
      }
      return new IAMClient({
        ...common,
        credentials: {
          accessKeyId: assumed.credentials.accessKeyId,
          secretAccessKey: assumed.credentials.secretAccessKey.reveal(),
          sessionToken: assumed.credentials.sessionToken.reveal(),
        },
      });
    }
    const hub = this.options.hubCredentials ? { credentials: { ...this.options.hubCredentials } } : {};
    const endpoint = this.options.stsEndpointFor(account);
    const sts = new STSClient({
      ...(endpoint.url ? { endpoint: endpoint.url } : {}),
      region: endpoint.region,
      maxAttempts: 2,
      requestHandler: this.#handler,
      ...hub,
    });
    const caller = await sts.send(new GetCallerIdentityCommand({}));
    if (caller.Account !== account.id)
      throw new Unreadable(
        `rolegate's own identity is in account ${caller.Account ?? '?'} and IAM reads only the caller's account: give a read-only role in ${account.id} (--reader-role-name)`,
      );
    return new IAMClient({ ...common, ...hub });
  }

  /** One read: NoSuchEntity is `undefined`; a refusal is Unreadable; anything else propagates. */
  async #get<T>(send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (/^NoSuchEntity/.test(name)) return undefined;
      if (isRefusal(error)) throw new Unreadable(`cannot read IAM: ${messageOf(error)}`);
      throw error;
    }
  }

  async #revokerAssumable(account: TemplateAccount): Promise<ObservedIam['revokerAssumable']> {
    const revoker = account.revoker;
    if (!revoker) return undefined;
    try {
      await this.options.sts.assumeRole({
        endpoint: this.options.stsEndpointFor(account),
        roleArn: revoker.roleArn,
        externalId: revoker.externalId,
        ...SESSION,
      });
      return { ok: true };
    } catch (error) {
      if (isRefusal(error)) return { ok: false, error: messageOf(error) };
      throw error;
    }
  }
}

/** The reader as its callers see it: IAM or STS unreachable is dependency_unavailable. */
export function awsSdkIamReader(options: IamReaderOptions): IamReader {
  return reportingFailuresAs(new AwsSdkIamReader(options), 'AWS IAM');
}

/** IAM answers the trust policy URL-encoded (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html). */
function trustPolicyOf(document: string | undefined): unknown {
  if (document === undefined) return {};
  const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

/** AccessDenied from IAM, or the STS gateway's sts_access_denied. */
function isRefusal(error: unknown): boolean {
  const e = error as { name?: string; code?: string };
  return /^AccessDenied/.test(e.name ?? '') || e.code === 'sts_access_denied';
}

function messageOf(error: unknown): string {
  const e = error as { name?: string; message?: string; detail?: string };
  const text = e.detail ?? e.message ?? String(error);
  return e.name && /^AccessDenied/.test(e.name) ? `${e.name}: ${text}` : text;
}
