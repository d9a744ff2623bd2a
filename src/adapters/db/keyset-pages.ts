/** One raw statement (Prisma's `$queryRawUnsafe`, on the client or in a transaction). */
export type RawQuery = <T>(text: string, ...params: unknown[]) => Promise<T[]>;

/** Rows per page of the whole-model reads. */
export const PAGE_ROWS = 2500;

/**
 * Every row of an ordered query, a page at a time (keyset: each page starts
 * after the last row's key), so that no single result of tens of thousands of
 * rows holds the event loop while the driver turns it into objects.
 * `sql(after)` is the statement with, when `after`, a condition on the key
 * taking the key's values as $1, $2…, and `LIMIT ${PAGE_ROWS}`.
 */
export async function keysetPages<T>(query: RawQuery, sql: (after: boolean) => string, keyOf: (row: T) => unknown[]): Promise<T[]> {
  const all: T[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const rows = await query<T>(sql(after !== undefined), ...(after ?? []));
    for (const row of rows) all.push(row);
    const last = rows.at(-1);
    if (rows.length < PAGE_ROWS || last === undefined) return all;
    after = keyOf(last);
  }
}
