import pg from 'pg';

/**
 * A `pg.Client` that reports Postgres' `name` type (OID 19) as `text` (OID 25).
 *
 * Prisma's driver adapter for pg has no mapping for `name`, so `prisma migrate`
 * (which reads catalog columns of that type) fails with "Column type 'name'
 * could not be deserialized" — prisma/prisma#27403 (prisma/orm#27403). The
 * values are plain strings either way; only the reported type changes.
 */
export class NameAsTextClient extends pg.Client {
  // pg's `query` has a dozen overloads (promise, callback, submittable); we
  // forward all of them unchanged, so the arguments stay untyped here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last: unknown = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, res: unknown) => {
        (last as (e: Error | null, r: unknown) => void)(err, err ? res : nameAsText(res));
      };
      return (super.query as (...a: unknown[]) => unknown)(...(args as unknown[]));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...(args as unknown[]));
    if (result instanceof Promise) return result.then(nameAsText);
    return result;
  }
}

const NAME_OID = 19;
const TEXT_OID = 25;

function nameAsText<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    const fields = (one as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
    for (const field of fields ?? []) if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}
