import { CliError, ExitCode } from '../errors.js';

const PERMISSIONS = 'organizations:ListAccounts, organizations:ListParents and organizations:DescribeOrganizationalUnit';

/**
 * Turns what the AWS SDK threw while reading the Organization into one CLI
 * error with its exit code: refusals are `denied` (5), an endpoint that does not
 * answer is `unreachable` (4), missing credentials `config` (8).
 */
export function describeAwsFailure(error: unknown, context: { roleArn?: string; timeoutSeconds: number }): CliError {
  if (error instanceof CliError) return error;
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const message = e.message ?? String(error);
  if (name === 'AbortError' || name === 'TimeoutError')
    return new CliError(
      ExitCode.unreachable,
      `AWS did not finish answering within ${String(context.timeoutSeconds)} s`,
      'check the network and AWS_ENDPOINT_URL; --timeout raises the limit',
    );
  if (name === 'CredentialsProviderError')
    return new CliError(
      ExitCode.config,
      `no AWS credentials: ${message}`,
      'sign in to AWS first (AWS_PROFILE=… with `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    );
  if (name === 'AWSOrganizationsNotInUseException')
    return new CliError(
      ExitCode.denied,
      `AWS Organizations: ${message} (the credentials used are of an account outside any Organization)`,
      'use --role-arn with a role in the management account',
    );
  if (name === 'AccessDeniedException')
    return new CliError(
      ExitCode.denied,
      `AWS Organizations refused: ${message}`,
      `discovery needs a role in the Organization's management account (or a delegated administrator) allowed ${PERMISSIONS}; pass it with --role-arn`,
    );
  if (name === 'AccessDenied')
    return new CliError(
      ExitCode.denied,
      `STS refused to assume ${context.roleArn ?? 'the role'}: ${message}`,
      "the role's trust policy must allow your AWS identity sts:AssumeRole",
    );
  if (
    [
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'ExpiredToken',
      'ExpiredTokenException',
      'SignatureDoesNotMatch',
      'InvalidSignatureException',
    ].includes(name)
  )
    return new CliError(
      ExitCode.denied,
      `AWS rejected the credentials: ${name}: ${message}`,
      'refresh your AWS credentials (aws sso login, or new keys)',
    );
  const code = e.code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (
    code !== undefined &&
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)
  )
    return new CliError(
      ExitCode.unreachable,
      `cannot reach AWS: ${code} (${message})`,
      'check the network, proxy settings and AWS_ENDPOINT_URL',
    );
  if (name === 'TimeoutError' || /timed? ?out/i.test(message))
    return new CliError(ExitCode.unreachable, `AWS did not answer in time: ${message}`, 'check the network and AWS_ENDPOINT_URL');
  if (e.$metadata?.httpStatusCode !== undefined)
    return new CliError(
      ExitCode.brokerError,
      `AWS answered ${String(e.$metadata.httpStatusCode)} ${name}: ${message}`,
      'try again shortly; rerun with --debug for details',
    );
  return new CliError(ExitCode.internal, `unexpected error while reading the Organization: ${message}`);
}
