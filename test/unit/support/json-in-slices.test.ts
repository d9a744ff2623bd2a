import { describe, expect, it } from 'vitest';
import { jsonInSlices } from '../../../src/support/json-in-slices.js';

describe('jsonInSlices', () => {
  it('when a plan-shaped answer is cut in slices, then the pieces join to JSON.stringify’s text, one piece a slice of elements', () => {
    const answer = {
      changes: Array.from({ length: 1234 }, (_, i) => ({
        kind: 'role',
        action: 'add',
        key: `arn:${String(i)}`,
        after: { description: `é ${String(i)} "q"` },
      })),
      effective: [{ action: 'grant', users: [{ user: 'u', lastSignIn: '2026-01-01T00:00:00.000Z' }] }, undefined, null],
      empty: [],
      skipped: undefined,
      summary: { add: 1234, change: 0, remove: 0 },
      applied: false,
      dryRun: true,
    };
    const pieces = [...jsonInSlices(answer, 100)];
    expect(pieces.join('')).toBe(JSON.stringify(answer));
    expect(pieces).toHaveLength(13);
    expect([...jsonInSlices({})].join('')).toBe('{}');
  });
});
