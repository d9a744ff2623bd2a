import { DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsAccount } from '../../domain/access-model.js';
import { parseRoleArn } from '../../domain/arn.js';
import { RolePolicyWriteError, type RolePolicyWriter } from '../../ports/role-policy-writer.js';
import type { StsEndpoint, StsGateway } from '../../ports/sts-gateway.js';

export interface RolePolicyWriterOptions {
  sts: StsGateway;
  stsEndpointFor: (account: AwsAccount) => StsEndpoint;
  /** IAM's endpoint for the account's partition (or the devstack's). */
  iamEndpointFor: (account: AwsAccount) => { url: string; region: string };
  /** Attempts the SDK makes per IAM call (standard retry mode: throttling, 5xx, timeouts); default 3. */
  iamAttempts?: number;
  /** Per IAM request, from connecting to the end of the answer (default 5 s); connecting alone at most 2 s. */
  iamTimeoutMs?: number;
}

/** The revoker's session: short, and named so CloudTrail shows who wrote the policy. */
const REVOKER_SESSION = { roleSessionName: 'rolegate-revoker', durationSeconds: 900 };

/**
 * RolePolicyWriter with the official SDK: AssumeRole into the account's revoker
 * role (ExternalId), then PutRolePolicy / DeleteRolePolicy with its credentials.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 */
export class AwsSdkRolePolicyWriter implements RolePolicyWriter {
  readonly #handler: NodeHttpHandler;

  constructor(private readonly options: RolePolicyWriterOptions) {
    const requestTimeout = options.iamTimeoutMs ?? 5000;
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting on a stalled connection.
    this.#handler = new NodeHttpHandler({ connectionTimeout: Math.min(2000, requestTimeout), requestTimeout, throwOnRequestTimeout: true });
  }

  async put(account: AwsAccount, roleArn: string, policyName: string, document: string): Promise<void> {
    const client = await this.#clientFor(account);
    await this.#call('PutRolePolicy', () =>
      client.send(new PutRolePolicyCommand({ RoleName: roleName(roleArn), PolicyName: policyName, PolicyDocument: document })),
    );
  }

  async delete(account: AwsAccount, roleArn: string, policyName: string): Promise<void> {
    const client = await this.#clientFor(account);
    try {
      await this.#call('DeleteRolePolicy', () =>
        client.send(new DeleteRolePolicyCommand({ RoleName: roleName(roleArn), PolicyName: policyName })),
      );
    } catch (error) {
      if (error instanceof RolePolicyWriteError && error.message.startsWith('NoSuchEntity')) return;
      throw error;
    }
  }

  async #clientFor(account: AwsAccount): Promise<IAMClient> {
    const revoker = account.revoker;
    if (!revoker) throw new RolePolicyWriteError('refused', `account ${account.id} has no revoker role`);
    let assumed;
    try {
      assumed = await this.options.sts.assumeRole({
        endpoint: this.options.stsEndpointFor(account),
        roleArn: revoker.roleArn,
        externalId: revoker.externalId,
        ...REVOKER_SESSION,
      });
    } catch (error) {
      throw new RolePolicyWriteError('refused', `cannot assume the revoker role ${revoker.roleArn}: ${(error as Error).message}`);
    }
    const iam = this.options.iamEndpointFor(account);
    return new IAMClient({
      endpoint: iam.url,
      region: iam.region,
      maxAttempts: this.options.iamAttempts ?? 3,
      requestHandler: this.#handler,
      credentials: {
        accessKeyId: assumed.credentials.accessKeyId,
        secretAccessKey: assumed.credentials.secretAccessKey.reveal(),
        sessionToken: assumed.credentials.sessionToken.reveal(),
      },
    });
  }

  async #call(action: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const code = e.name ?? 'Error';
      throw new RolePolicyWriteError(
        code === 'LimitExceededException' ? 'limit_exceeded' : 'refused',
        `${code.replace(/Exception$/, '')}: IAM ${action} failed: ${e.message ?? String(error)}`,
      );
    }
  }
}

function roleName(roleArn: string): string {
  const parsed = parseRoleArn(roleArn);
  if (!parsed.ok) throw new RolePolicyWriteError('refused', `not a role ARN: ${roleArn}`);
  return parsed.value.name;
}

/** IAM's global endpoint per partition: https://docs.aws.amazon.com/general/latest/gr/iam-service.html */
export function iamEndpointForPartition(partition: AwsAccount['partition']): { url: string; region: string } {
  if (partition === 'aws-us-gov') return { url: 'https://iam.us-gov.amazonaws.com', region: 'us-gov-west-1' };
  if (partition === 'aws-cn') return { url: 'https://iam.cn-north-1.amazonaws.com.cn', region: 'cn-north-1' };
  return { url: 'https://iam.amazonaws.com', region: 'us-east-1' };
}
