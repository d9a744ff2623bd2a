import { describe, expect, it } from 'vitest';
import { backoffMs, classifyStsFailure } from '../../../src/adapters/aws-sts/retry-policy.js';

describe('classifyStsFailure', () => {
  it.each([
    [{ name: 'Throttling', $metadata: { httpStatusCode: 400 } }, 'throttled'],
    [{ name: 'ThrottlingException', $metadata: {} }, 'throttled'],
    [{ name: 'Anything', $metadata: { httpStatusCode: 429 } }, 'throttled'],
    [{ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }, 'transient'],
    [{ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }, 'transient'],
    [{ name: 'IDPCommunicationError', $metadata: { httpStatusCode: 400 } }, 'transient'],
    [{ name: 'Error', code: 'ECONNREFUSED' }, 'network'],
    [{ name: 'TimeoutError' }, 'network'],
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 'refused'],
    [{ name: 'InvalidIdentityToken', $metadata: { httpStatusCode: 400 } }, 'refused'],
    [{ name: 'ValidationError', $metadata: { httpStatusCode: 400 } }, 'refused'],
  ] as const)('when STS fails with %o, then it is %s', (failure, kind) => {
    expect(classifyStsFailure(failure)).toBe(kind);
  });
});

describe('backoffMs', () => {
  it('when attempts grow, then the wait stays within [0, min(cap, base·2^attempt))', () => {
    expect(backoffMs(0, 100, 2000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 2000, () => 0.5)).toBe(400);
    expect(backoffMs(10, 100, 2000, () => 0.999)).toBe(1998);
    expect(backoffMs(4, 100, 2000, () => 0)).toBe(0);
  });
});
