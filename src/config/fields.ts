import { z } from 'zod';

/** Extra metadata every configuration key carries (see docs/configuration.md). */
declare module 'zod/v4/core' {
  interface GlobalMeta {
    /** Environment variables that set this key, first match wins. */
    env?: readonly string[];
    /** Never echo the value in errors, logs or docs. */
    secret?: boolean;
  }
}

// Each builder below accepts both YAML values (already typed) and environment
// strings, and says what it expects in a sentence that ends up in start-up
// errors: "<key> (<source>): expected …, got …".

const INTEGER = /^-?\d+$/;

export function integer(min: number, max: number) {
  const expected = `expected an integer from ${String(min)} to ${String(max)}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && INTEGER.test(v.trim()) ? Number(v.trim()) : v),
    z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected }),
  );
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function boolean() {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      return TRUE.has(word) ? true : FALSE.has(word) ? false : v;
    },
    z.boolean({ error: 'expected true or false' }),
  );
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

export function nonEmptyString(what = 'a non-empty string') {
  return z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}` });
}

/** A URL whose scheme is one of `protocols` (without the colon). */
export function url(protocols: readonly string[], what?: string) {
  const expected = `expected ${what ?? `a ${protocols.map((p) => `${p}://`).join(' or ')} URL`}`;
  return z.string({ error: expected }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.slice(0, -1));
      } catch {
        return false;
      }
    },
    { error: expected },
  );
}

/** Express' `trust proxy`: false, true, a hop count, or a comma-separated list of addresses/subnets. */
export function trustProxy() {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      if (TRUE.has(word)) return true;
      if (FALSE.has(word)) return false;
      if (INTEGER.test(word)) return Number(word);
      return v.trim();
    },
    z.union([z.boolean(), z.number().int().min(0).max(32), z.string().min(1)], {
      error: 'expected true, false, a hop count or a list of trusted proxy addresses',
    }),
  );
}
