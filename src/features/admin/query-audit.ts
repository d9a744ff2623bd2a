import type { AuditEventView, AuditQueryParams } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import type { RecordedAuditEvent } from '../../ports/audit-log.js';
import type { AuditFilter, AuditPosition, AuditQuery } from '../../ports/audit-query.js';

const EXPORT_PAGE = 1000;

/** Where an event stands in the trail's order. */
function positionOf(event: RecordedAuditEvent): AuditPosition {
  return { at: event.at, id: event.id };
}

/**
 * An opaque cursor: the (time, id) of the last event seen, the order of the trail, so a page
 * boundary is stable while new events arrive. Version 1 (the id alone, before the trail was
 * partitioned by time) is refused like any other cursor this API did not return.
 */
function cursorText(position: AuditPosition): string {
  return Buffer.from(JSON.stringify({ v: 2, at: position.at.toISOString(), id: position.id })).toString('base64url');
}

function decodeCursor(cursor: string): AuditPosition {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; at?: unknown; id?: unknown };
    if (parsed.v === 2 && typeof parsed.id === 'string' && /^\d{1,19}$/.test(parsed.id) && typeof parsed.at === 'string') {
      const at = new Date(parsed.at);
      if (!Number.isNaN(at.getTime()) && at.toISOString() === parsed.at) return { at, id: parsed.id };
    }
  } catch {
    // fall through
  }
  throw new AuditFilterError('cursor', 'is not one this API returned: start again from the newest events');
}

/** A filter the schema accepted that still cannot be answered: which field, and why (the page shows it beside that field). */
export class AuditFilterError extends RolegateError {
  constructor(
    readonly field: 'to' | 'cursor',
    readonly reason: string,
  ) {
    super('invalid_request', { detail: `${field}: ${reason}` });
  }
}

export function filterOf(params: AuditQueryParams): AuditFilter {
  const from = params.from === undefined ? undefined : new Date(params.from);
  const to = params.to === undefined ? undefined : new Date(params.to);
  if (from && to && from >= to) throw new AuditFilterError('to', 'must be after from (from is inclusive, to exclusive)');
  return {
    ...(params.user === undefined ? {} : { user: params.user }),
    ...(params.role === undefined ? {} : { role: params.role }),
    ...(params.account === undefined ? {} : { account: params.account }),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(params.outcome === undefined ? {} : { outcome: params.outcome }),
    ...(params.type === undefined ? {} : { type: params.type }),
    ...(params.surface === undefined ? {} : { surface: params.surface }),
    ...(params.cursor === undefined ? {} : { after: decodeCursor(params.cursor) }),
    limit: params.limit,
  };
}

/** One page, newest first, with the cursor of the next page when there may be one. */
export async function auditPage(query: AuditQuery, params: AuditQueryParams): Promise<{ events: AuditEventView[]; nextCursor?: string }> {
  const filter = filterOf(params);
  const rows = await query.find({ ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { events: page.map(viewOf), ...(rows.length > filter.limit && last ? { nextCursor: cursorText(positionOf(last)) } : {}) };
}

/** Every matching event, newest first, page by page (for JSON-lines export): memory stays one page. */
export async function* auditEvents(query: AuditQuery, params: AuditQueryParams): AsyncGenerator<AuditEventView> {
  const filter = { ...filterOf(params), limit: EXPORT_PAGE };
  for (;;) {
    const rows = await query.find(filter);
    for (const row of rows) yield viewOf(row);
    const last = rows.at(-1);
    if (rows.length < EXPORT_PAGE || !last) return;
    filter.after = positionOf(last);
  }
}

function viewOf(event: RecordedAuditEvent): AuditEventView {
  const { at, ...rest } = event;
  return { ...rest, at: at.toISOString() };
}
