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

/** STS's codes, and IAM's for the IAM subset (devstack/iam). */
export type StsErrorCode =
  | 'AccessDenied'
  | 'DeleteConflict'
  | 'EntityAlreadyExists'
  | 'InvalidInput'
  | 'LimitExceeded'
  | 'NoSuchEntity'
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
  | 'ServiceFailure'
  | 'SignatureDoesNotMatch'
  | 'Throttling'
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

/** IAM's statuses for its codes (the `httpError` traits of the IAM Smithy model in @aws-sdk/client-iam). */
const IAM_STATUS: Partial<Record<StsErrorCode, number>> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  DeleteConflict: 409,
};

function defaultStatus(code: StsErrorCode): number {
  if (code === 'InternalFailure') return 500;
  const iam = IAM_STATUS[code];
  if (iam !== undefined) return iam;
  return FORBIDDEN.has(code) ? 403 : 400;
}

/** "1 validation error detected: …" as AWS words model-constraint failures. */
export function validationError(problems: readonly string[]): StsError {
  const count = problems.length;
  return new StsError('ValidationError', `${String(count)} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}
