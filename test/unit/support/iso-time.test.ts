import { describe, expect, it } from 'vitest';
import { isoTimeOf } from '../../../src/support/iso-time.js';

describe('isoTimeOf', () => {
  it('when instants are converted, again and past what it remembers, then each is what Date gives', () => {
    const base = Date.UTC(2026, 11, 3, 7, 0, 0, 123);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1500; i++) expect(isoTimeOf(base + i * 997)).toBe(new Date(base + i * 997).toISOString());
    }
  });
});
