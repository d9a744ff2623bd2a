import type { AuditEventView, AuditQueryParams } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import type { RecordedAuditEvent } from '../../ports/audit-log.js';
import type { AuditFilter, AuditQuery } from '../../ports/audit-query.js';

const EXPORT_PAGE = 1000;

/** An opaque cursor: the last id seen, so a page boundary is stable while new events arrive. */
function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, id })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; id?: unknown };
    if (parsed.v === 1 && typeof parsed.id === 'string' && /^\d{1,19}$/.test(parsed.id)) return parsed.id;
  } catch {
    // fall through
  }
  throw new RolegateError('invalid_request', { detail: 'cursor is not one this API returned' });
}

export function filterOf(params: AuditQueryParams): AuditFilter {
  const from = params.from === undefined ? undefined : new Date(params.from);
  const to = params.to === undefined ? undefined : new Date(params.to);
  if (from && to && from >= to) throw new RolegateError('invalid_request', { detail: 'from must be before to' });
  return {
    ...(params.user === undefined ? {} : { user: params.user }),
    ...(params.role === undefined ? {} : { role: params.role }),
    ...(params.account === undefined ? {} : { account: params.account }),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(params.outcome === undefined ? {} : { outcome: params.outcome }),
    ...(params.type === undefined ? {} : { type: params.type }),
    ...(params.cursor === undefined ? {} : { beforeId: decodeCursor(params.cursor) }),
    limit: params.limit,
  };
}

/** One page, newest first, with the cursor of the next page when there may be one. */
export async function auditPage(query: AuditQuery, params: AuditQueryParams): Promise<{ events: AuditEventView[]; nextCursor?: string }> {
  const filter = filterOf(params);
  const rows = await query.find({ ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { events: page.map(viewOf), ...(rows.length > filter.limit && last ? { nextCursor: encodeCursor(last.id) } : {}) };
}

/** Every matching event, newest first, page by page (for JSON-lines export): memory stays one page. */
export async function* auditEvents(query: AuditQuery, params: AuditQueryParams): AsyncGenerator<AuditEventView> {
  const filter = { ...filterOf(params), limit: EXPORT_PAGE };
  for (;;) {
    const rows = await query.find(filter);
    for (const row of rows) yield viewOf(row);
    const last = rows.at(-1);
    if (rows.length < EXPORT_PAGE || !last) return;
    filter.beforeId = last.id;
  }
}

function viewOf(event: RecordedAuditEvent): AuditEventView {
  const { at, ...rest } = event;
  return { ...rest, at: at.toISOString() };
}
