import { describe, expect, it } from 'vitest';
import { credentialsRequestSchema, parseCredentialsRequest, plainCredentialsRequest } from '../../../src/contracts/credentials.js';

// The hand-checked fast path must accept exactly what the schema accepts, with the same result,
// and leave everything else to the schema (which names the problem).
const bodies: unknown[] = [
  { alias: 'sandbox', role: 'Developer' },
  { accountId: '111111111111', role: 'Developer' },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 3600 },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 900 },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 43_200 },
  { alias: 'a'.repeat(64), role: 'r'.repeat(64) },
  { alias: 'sandbox', role: 'Developer', justification: '  the pager went off at 3am  ' },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 899 },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 43_201 },
  { alias: 'sandbox', role: 'Developer', durationSeconds: 3600.5 },
  { alias: 'sandbox', role: 'Developer', durationSeconds: '3600' },
  { alias: 'sandbox', role: 'Developer', durationSeconds: null },
  { alias: 'sandbox', role: 'Developer', extra: 1 },
  { alias: 'sandbox', accountId: '111111111111', role: 'Developer' },
  { role: 'Developer' },
  { alias: '', role: 'Developer' },
  { alias: 'a'.repeat(65), role: 'Developer' },
  { alias: 'sandbox', role: '' },
  { alias: 'sandbox', role: 'r'.repeat(65) },
  { alias: 'sandbox' },
  { alias: 'sandbox', role: 7 },
  { accountId: '11111111111', role: 'Developer' },
  { accountId: '1111111111111', role: 'Developer' },
  { accountId: '11111111111a', role: 'Developer' },
  { accountId: 111111111111, role: 'Developer' },
  { alias: null, role: 'Developer' },
  { alias: 'sandbox', role: 'Developer', __proto__: { polluted: true } },
  JSON.parse('{"alias":"sandbox","role":"Developer","__proto__":{"x":1}}'),
  [],
  [{ alias: 'sandbox', role: 'Developer' }],
  {},
  null,
  'text',
  42,
];

function viaSchema(body: unknown) {
  const result = credentialsRequestSchema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

describe('parseCredentialsRequest', () => {
  it.each(bodies.map((body) => [JSON.stringify(body), body]))('when the body is %s, then it decides as the schema does', (_, body) => {
    const expected = viaSchema(body);
    const fast = plainCredentialsRequest(body);
    // The fast path never accepts what the schema refuses, and returns what the schema returns.
    if (fast !== undefined) expect({ ok: true, value: fast }).toEqual(expected);
    if (expected.ok) expect(parseCredentialsRequest(body)).toEqual(expected.value);
    else expect(() => parseCredentialsRequest(body)).toThrow();
  });

  it('when the request is the common one, then the fast path decides it', () => {
    expect(plainCredentialsRequest({ alias: 'sandbox', role: 'Developer', durationSeconds: 3600 })).toEqual({
      alias: 'sandbox',
      role: 'Developer',
      durationSeconds: 3600,
    });
    expect(plainCredentialsRequest({ accountId: '111111111111', role: 'Developer' })).toEqual({
      accountId: '111111111111',
      role: 'Developer',
    });
  });
});
