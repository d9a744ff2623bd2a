import { describe, expect, it } from 'vitest';
import { clampDuration } from '../../../src/domain/durations.js';
import { RolegateError } from '../../../src/domain/errors.js';

describe('clampDuration', () => {
  it('when nothing is requested, then the default of one hour applies', () => {
    expect(clampDuration(undefined, { roleMaxSeconds: 43_200 })).toEqual({
      seconds: 3600,
      limitedBy: 'default',
      maxSeconds: 43_200,
      reason: 'the default of 3600 s',
    });
  });

  it('when nothing is requested and a mapping caps below the default, then the cap applies', () => {
    expect(clampDuration(undefined, { roleMaxSeconds: 43_200, mappingMaxSeconds: 1800 })).toMatchObject({
      seconds: 1800,
      limitedBy: 'mapping',
    });
  });

  it('when a configured default is given, then it is used', () => {
    expect(clampDuration(undefined, { roleMaxSeconds: 43_200, defaultSeconds: 7200 })).toMatchObject({
      seconds: 7200,
      limitedBy: 'default',
    });
  });

  it('when the request fits every limit, then it is kept', () => {
    expect(clampDuration(7200, { roleMaxSeconds: 43_200, mappingMaxSeconds: 14_400 })).toMatchObject({
      seconds: 7200,
      limitedBy: 'requested',
    });
    expect(clampDuration(900, { roleMaxSeconds: 3600 })).toMatchObject({ seconds: 900, limitedBy: 'requested' });
  });

  it.each([
    [{ roleMaxSeconds: 7200 }, 7200, 'role', /role's maximum session duration of 7200 s/],
    [{ roleMaxSeconds: 43_200, mappingMaxSeconds: 10_800 }, 10_800, 'mapping', /maximum of 10800 s set by your group mapping/],
    [{ roleMaxSeconds: 3600, mappingMaxSeconds: 7200 }, 3600, 'role', /role's maximum/],
    [{ roleMaxSeconds: 43_200, chained: true }, 3600, 'chained', /role chaining to one hour/],
    [{ roleMaxSeconds: 43_200, mappingMaxSeconds: 3600, chained: true }, 3600, 'chained', /role chaining/],
    [{ roleMaxSeconds: 43_200, mappingMaxSeconds: 1800, chained: true }, 1800, 'mapping', /group mapping/],
  ] as const)('when 12 h is requested under %j, then it is shortened to %i s by the %s limit', (limits, seconds, limitedBy, reason) => {
    const decision = clampDuration(43_200, limits);
    expect(decision).toMatchObject({ seconds, limitedBy, clampedFrom: 43_200, maxSeconds: seconds });
    expect(decision.reason).toMatch(reason);
    expect(decision.reason).toMatch(/^shortened from 43200 s to /);
  });

  it('when a role claims more than the AWS maximum, then 12 h is still the cap', () => {
    expect(clampDuration(undefined, { roleMaxSeconds: 50_000, defaultSeconds: 43_200 })).toMatchObject({
      seconds: 43_200,
      maxSeconds: 43_200,
    });
  });

  it.each([899, 0, -1, 43_201, 100_000, 3600.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'when %s seconds are requested, then it is an invalid_request error, not silently fixed',
    (requested) => {
      expect(() => clampDuration(requested, { roleMaxSeconds: 43_200 })).toThrow(RolegateError);
      try {
        clampDuration(requested, { roleMaxSeconds: 43_200 });
      } catch (error) {
        expect((error as RolegateError).code).toBe('invalid_request');
        expect((error as RolegateError).detail).toMatch(/durationSeconds must be/);
      }
    },
  );

  it('when a mapping caps below the AWS minimum, then it is a configuration error, not a longer session', () => {
    expect(() => clampDuration(undefined, { roleMaxSeconds: 3600, mappingMaxSeconds: 600 })).toThrow(/below the AWS minimum of 900 s/);
    try {
      clampDuration(undefined, { roleMaxSeconds: 3600, mappingMaxSeconds: 600 });
    } catch (error) {
      expect((error as RolegateError).code).toBe('server_error');
    }
  });
});
