import {
  AssumeRoleCommand,
  AssumeRoleWithSAMLCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type AssumeRoleResponse,
} from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { RolegateError } from '../../domain/errors.js';
import { Secret } from '../../domain/secret.js';
import type { Logger } from '../../ports/logger.js';
import type { AssumedRole, SessionPolicyInput, StsEndpoint, StsGateway } from '../../ports/sts-gateway.js';
import { backoffMs, classifyStsFailure } from './retry-policy.js';

export interface AwsSdkStsGatewayOptions {
  logger: Logger;
  /** rolegate's own credentials for AssumeRole; undefined uses the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Total time budget for one call including retries. */
  retryBudgetMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Observes each STS call (for the latency histogram and error counters). */
  onCall?: (call: { action: string; seconds: number; outcome: string }) => void;
}

type Send<T> = (client: STSClient, signal: AbortSignal) => Promise<T>;

// Unsigned calls still go through an SDK client that wants credentials
// resolvable; these are never sent (AssumeRoleWithSAML/WebIdentity are unsigned).
const NO_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'unsigned', secretAccessKey: 'unsigned' };

/** StsGateway on the official AWS SDK v3 STS client, one client per endpoint. */
export class AwsSdkStsGateway implements StsGateway {
  readonly #clients = new Map<string, { signed: STSClient; unsigned: STSClient }>();
  readonly #options: Required<Omit<AwsSdkStsGatewayOptions, 'credentials' | 'onCall'>> &
    Pick<AwsSdkStsGatewayOptions, 'credentials' | 'onCall'>;

  constructor(options: AwsSdkStsGatewayOptions) {
    this.#options = { retryBudgetMs: 8000, connectTimeoutMs: 2000, requestTimeoutMs: 5000, ...options };
  }

  assumeRoleWithSaml(input: Parameters<StsGateway['assumeRoleWithSaml']>[0]): Promise<AssumedRole> {
    return this.#call('AssumeRoleWithSAML', input.endpoint, false, (client, abortSignal) =>
      client.send(
        new AssumeRoleWithSAMLCommand({
          RoleArn: input.roleArn,
          PrincipalArn: input.principalArn,
          SAMLAssertion: input.samlAssertion,
          DurationSeconds: input.durationSeconds,
          ...policyParameters(input),
        }),
        { abortSignal },
      ),
    );
  }

  assumeRoleWithWebIdentity(input: Parameters<StsGateway['assumeRoleWithWebIdentity']>[0]): Promise<AssumedRole> {
    return this.#call('AssumeRoleWithWebIdentity', input.endpoint, false, (client, abortSignal) =>
      client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: input.roleArn,
          WebIdentityToken: input.webIdentityToken,
          RoleSessionName: input.roleSessionName,
          DurationSeconds: input.durationSeconds,
          ...policyParameters(input),
        }),
        { abortSignal },
      ),
    );
  }

  assumeRole(input: Parameters<StsGateway['assumeRole']>[0]): Promise<AssumedRole> {
    return this.#call('AssumeRole', input.endpoint, true, (client, abortSignal) =>
      client.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.roleSessionName,
          DurationSeconds: input.durationSeconds,
          ...policyParameters(input),
          ExternalId: input.externalId,
          SourceIdentity: input.sourceIdentity,
          Tags: input.tags?.map((t) => ({ Key: t.key, Value: t.value })),
          TransitiveTagKeys: input.transitiveTagKeys ? [...input.transitiveTagKeys] : undefined,
        }),
        { abortSignal },
      ),
    );
  }

  async #call(action: string, endpoint: StsEndpoint, signed: boolean, send: Send<AssumeRoleResponse>): Promise<AssumedRole> {
    const client = this.#client(endpoint, signed);
    const deadline = Date.now() + this.#options.retryBudgetMs;
    let throttledBefore = false;
    for (let attempt = 0; ; attempt++) {
      const started = process.hrtime.bigint();
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      try {
        const response = await send(client, signal);
        this.#observe(action, started, 'success');
        return toAssumedRole(action, response);
      } catch (error) {
        const failure = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        // Cut short by our own deadline, the SDK's error may still carry the
        // answer's status (an abort while reading a 400's body): it is never a refusal.
        const kind = signal.aborted ? 'network' : classifyStsFailure(failure);
        this.#observe(action, started, kind === 'refused' ? (failure.name ?? 'error') : kind);
        if (kind === 'refused') throw refused(action, failure);
        const wait = backoffMs(attempt, 100, 2000);
        if (Date.now() + wait >= deadline) {
          // An attempt cut short by our own deadline says nothing new: if STS was throttling, say so.
          const ranOutOfTime = kind === 'network' && Date.now() >= deadline;
          throw unavailable(action, ranOutOfTime && throttledBefore ? 'throttled' : kind, failure, this.#options.retryBudgetMs);
        }
        if (kind === 'throttled') throttledBefore = true;
        this.#options.logger.warn({ action, attempt: attempt + 1, kind, awsError: failure.name }, 'STS call failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  #observe(action: string, started: bigint, outcome: string): void {
    this.#options.onCall?.({ action, outcome, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  }

  #client(endpoint: StsEndpoint, signed: boolean): STSClient {
    const key = `${endpoint.region}|${endpoint.url ?? ''}`;
    let pair = this.#clients.get(key);
    if (!pair) {
      const common = {
        region: endpoint.region,
        ...(endpoint.url ? { endpoint: endpoint.url } : {}),
        maxAttempts: 1, // retries are ours: bounded by a time budget, logged
        requestHandler: new NodeHttpHandler({
          connectionTimeout: this.#options.connectTimeoutMs,
          requestTimeout: this.#options.requestTimeoutMs,
          // Without it the SDK only logs a warning and keeps waiting on a stalled connection.
          throwOnRequestTimeout: true,
        }),
      };
      pair = {
        signed: new STSClient({ ...common, ...(this.#options.credentials ? { credentials: this.#options.credentials } : {}) }),
        unsigned: new STSClient({ ...common, credentials: NO_CREDENTIALS }),
      };
      this.#clients.set(key, pair);
    }
    return signed ? pair.signed : pair.unsigned;
  }
}

function toAssumedRole(action: string, response: AssumeRoleResponse): AssumedRole {
  const c = response.Credentials;
  const arn = response.AssumedRoleUser?.Arn;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration || !arn) {
    throw new RolegateError('dependency_unavailable', { detail: `STS answered ${action} without credentials` });
  }
  return {
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: new Secret(c.SecretAccessKey),
      sessionToken: new Secret(c.SessionToken),
      expiration: c.Expiration,
    },
    assumedRoleArn: arn,
    ...(packedSize(response) === undefined ? {} : { packedPolicySize: packedSize(response) }),
    ...(response.SourceIdentity === undefined ? {} : { sourceIdentity: response.SourceIdentity }),
  };
}

/**
 * How full the session is (percent). STS replaced PackedPolicySize with
 * SessionTokenUtilization in 2026; endpoints may send either.
 */
function packedSize(response: AssumeRoleResponse): number | undefined {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- older endpoints (and the local STS) still send it
  return response.SessionTokenUtilization ?? response.PackedPolicySize;
}

function refused(action: string, failure: { name?: string; message?: string }): RolegateError {
  const code = failure.name ?? 'UnknownError';
  return new RolegateError('sts_access_denied', {
    detail: `AWS STS refused ${action}: ${code}: ${failure.message ?? 'no message'}`,
    extras: { awsErrorCode: code },
  });
}

function unavailable(action: string, kind: string, failure: { name?: string; message?: string }, budgetMs: number): RolegateError {
  const retryAfter = String(Math.ceil(budgetMs / 1000));
  const throttled = kind === 'throttled';
  return new RolegateError(throttled ? 'sts_throttled' : 'dependency_unavailable', {
    detail: throttled
      ? `AWS STS kept throttling ${action} for ${retryAfter} s; try again shortly`
      : `AWS STS did not answer ${action} (${failure.name ?? kind}); try again shortly`,
    headers: { 'Retry-After': retryAfter },
  });
}

/** `Policy` and `PolicyArns`, as all three AssumeRole* calls take them; nothing when the mapping has none. */
function policyParameters(input: SessionPolicyInput): { Policy?: string; PolicyArns?: { arn: string }[] } {
  return {
    ...(input.policy === undefined ? {} : { Policy: input.policy }),
    ...(input.policyArns === undefined || input.policyArns.length === 0 ? {} : { PolicyArns: input.policyArns.map((arn) => ({ arn })) }),
  };
}
