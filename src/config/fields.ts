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

const BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** `a, b,c` → `['a', 'b', 'c']` for environment strings; YAML lists pass through. */
function splitList(v: unknown): unknown {
  return typeof v === 'string' ? splitComma(v) : v;
}

function splitComma(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * Encryption keys: base64 of 32 random bytes each (`openssl rand -base64 32`),
 * comma-separated in the environment or a list in YAML. The first seals, all open.
 */
export function base64Keys() {
  const expected = 'expected comma-separated base64-encoded 32-byte keys (make one with `openssl rand -base64 32`)';
  return z.preprocess(
    splitList,
    z
      .array(z.string({ error: expected }).regex(BASE64, { error: expected }), { error: expected })
      .min(1, { error: expected })
      .refine((keys) => new Set(keys).size === keys.length, { error: 'expected distinct keys (a key is listed twice)' }),
  );
}

/** A list of strings: comma-separated in the environment, a list in YAML. */
export function stringList(what = 'a comma-separated list') {
  return z.preprocess(
    splitList,
    z.array(z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` }), { error: `expected ${what}` }),
  );
}

/** A list of `item`: JSON text in the environment (a string that is not JSON fails as a list), a list in YAML. */
export function jsonList<T extends z.ZodType>(item: T, what: string) {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    },
    z.array(item, { error: `expected a list of ${what} (YAML list, or JSON in the environment)` }),
  );
}

/** A map of names to one of `values`: `Key=value,Other=value` in the environment, a mapping in YAML. */
export function keyValueMap<const T extends readonly [string, ...string[]]>(values: T) {
  const expected = `expected Key=value pairs with values among ${values.join(', ')}`;
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const entries = splitComma(v).map((part): [string, string] => {
        const at = part.lastIndexOf('=');
        return at <= 0 ? [part, ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      });
      return Object.fromEntries(entries);
    },
    z.record(z.string().min(1, { error: expected }), z.enum(values, { error: expected }), { error: expected }),
  );
}
