/**
 * An error the local STS endpoint answers with, shaped like AWS's Query-protocol
 * errors: a code the SDKs map to exception names, a message and an HTTP status.
 * Codes and statuses follow the STS API reference and the Smithy model shipped in
 * `@aws-sdk/client-sts` (`awsQueryError` traits), e.g. `IDPRejectedClaim` is 403.
 */
export class StsError extends Error {
  constructor(
    readonly code: StsErrorCode,
    message: string,
    readonly status: number = defaultStatus(code),
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'StsError';
  }
}

export type StsErrorCode =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'ExpiredTokenException'
  | 'IDPCommunicationError'
  | 'IDPRejectedClaim'
  | 'IncompleteSignature'
  | 'InternalFailure'
  | 'InvalidAction'
  | 'InvalidClientTokenId'
  | 'InvalidIdentityToken'
  | 'InvalidParameterValue'
  | 'MalformedPolicyDocument'
  | 'MissingAuthenticationToken'
  | 'PackedPolicyTooLarge'
  | 'RegionDisabledException'
  | 'SignatureDoesNotMatch'
  | 'ValidationError';

const FORBIDDEN: ReadonlySet<StsErrorCode> = new Set([
  'AccessDenied',
  'ExpiredToken',
  'IDPRejectedClaim',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'RegionDisabledException',
  'SignatureDoesNotMatch',
]);

function defaultStatus(code: StsErrorCode): number {
  if (code === 'InternalFailure') return 500;
  return FORBIDDEN.has(code) ? 403 : 400;
}

/** "1 validation error detected: …" as AWS words model-constraint failures. */
export function validationError(problems: readonly string[]): StsError {
  const count = problems.length;
  return new StsError('ValidationError', `${String(count)} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}
