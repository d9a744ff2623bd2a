/**
 * An error the devstack's Organizations subset answers with, in the JSON 1.1
 * protocol's shape: `{"__type": <code>, "Message": …}` plus `x-amzn-ErrorType`,
 * which the SDK maps to its exception classes (AccessDeniedException, …).
 * Codes and statuses follow the Organizations API reference ("Common Errors" and
 * each action's "Errors"): https://docs.aws.amazon.com/organizations/latest/APIReference/CommonErrors.html
 */
export class OrganizationsError extends Error {
  constructor(
    readonly code: OrganizationsErrorCode,
    message: string,
    readonly status = 400,
    /** `Reason` of InvalidInputException (e.g. INVALID_PAGINATION_TOKEN). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'OrganizationsError';
  }

  body(): Record<string, string> {
    return { __type: this.code, Message: this.message, ...(this.reason !== undefined ? { Reason: this.reason } : {}) };
  }
}

export type OrganizationsErrorCode =
  | 'AccessDeniedException'
  | 'AWSOrganizationsNotInUseException'
  | 'ChildNotFoundException'
  | 'ExpiredTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidInputException'
  | 'InvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'OrganizationalUnitNotFoundException'
  | 'ParentNotFoundException'
  | 'ServiceException'
  | 'UnknownOperationException'
  | 'UnrecognizedClientException';

/** MaxResults outside 1..max is InvalidInputException with a reason, as Organizations answers. */
export function checkMaxResults(value: unknown, max: number): number {
  if (value === undefined || value === null) return max;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new OrganizationsError('InvalidInputException', 'MaxResults must be an integer.', 400, 'INVALID_INPUT');
  if (value < 1) throw new OrganizationsError('InvalidInputException', 'MaxResults must be at least 1.', 400, 'MIN_VALUE_EXCEEDED');
  if (value > max)
    throw new OrganizationsError('InvalidInputException', `MaxResults must be no more than ${String(max)}.`, 400, 'MAX_VALUE_EXCEEDED');
  return value;
}

export function requireString(input: Record<string, unknown>, field: string, pattern: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '')
    throw new OrganizationsError(
      'InvalidInputException',
      `You provided a value that does not match the required pattern (${field}).`,
      400,
      'INPUT_REQUIRED',
    );
  if (!pattern.test(value))
    throw new OrganizationsError(
      'InvalidInputException',
      `You provided a value that does not match the required pattern (${field}).`,
      400,
      'INVALID_PATTERN',
    );
  return value;
}
