import type { z } from 'zod';

/** What reading a stored record gave: its value, or why it cannot be used. */
export type RecordRead<T> =
  | { ok: true; value: T }
  /**
   * `malformed`: not a JSON object; `future`: written by a newer rolegate
   * (a version this one does not know); `invalid`: a known version whose
   * fields do not validate.
   */
  | { ok: false; problem: 'malformed' | 'future' | 'invalid'; detail: string };

/**
 * How one kind of record is kept in Redis across versions of rolegate (see
 * docs/architecture.md, "Stored records"): JSON with a version field `v`,
 * validated on every read, so two releases can run side by side during a
 * rolling upgrade and a garbled value never crashes a request.
 */
export interface RecordCodec<T> {
  /** Names the record in logs and errors, e.g. "login session". */
  readonly name: string;
  /** The version this release writes. */
  readonly version: number;
  encode(value: T): string;
  decode(text: string): RecordRead<T>;
}

export interface RecordCodecOptions {
  /** The version written (default 1). Raise it only for a change an older release cannot read. */
  version?: number;
  /**
   * Readers of earlier versions: each turns a record of that version (its
   * fields, without `v`) into the current shape, which is then validated.
   */
  earlier?: Readonly<Record<number, (fields: Record<string, unknown>) => unknown>>;
}

/**
 * A codec for records shaped by `schema` (a zod object without a `v` field).
 * Records without `v` were written by the release before records were
 * versioned: they are read as version 1, so an upgrade signs nobody out.
 * Unknown fields are dropped on read (a newer release may add optional ones
 * without a new version); a version above this release's reads as `future`.
 */
export function recordCodec<S extends z.ZodType<object>>(
  name: string,
  schema: S,
  options: RecordCodecOptions = {},
): RecordCodec<z.output<S>> {
  const version = options.version ?? 1;
  const earlier = options.earlier ?? {};
  return {
    name,
    version,
    encode: (value) => JSON.stringify({ v: version, ...value }),
    decode: (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, problem: 'malformed', detail: `the stored ${name} is not JSON` };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { ok: false, problem: 'malformed', detail: `the stored ${name} is not a JSON object` };
      }
      const { v = 1, ...fields } = parsed as Record<string, unknown>;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
        return { ok: false, problem: 'invalid', detail: `the stored ${name} has no valid version` };
      }
      if (v > version) {
        return {
          ok: false,
          problem: 'future',
          detail: `the stored ${name} is version ${String(v)}; this release reads up to ${String(version)}`,
        };
      }
      const upgrade = v === version ? undefined : earlier[v];
      if (v !== version && upgrade === undefined) {
        return { ok: false, problem: 'invalid', detail: `the stored ${name} is version ${String(v)}, which this release no longer reads` };
      }
      const result = schema.safeParse(upgrade ? upgrade(fields) : fields);
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.map(String).join('.') || 'record';
        return { ok: false, problem: 'invalid', detail: `the stored ${name} does not validate (${where}: ${issue?.message ?? 'invalid'})` };
      }
      return { ok: true, value: result.data };
    },
  };
}
