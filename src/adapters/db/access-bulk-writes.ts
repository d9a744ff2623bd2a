import { randomUUID } from 'node:crypto';
import type { AccountEntry, IdentityProviderEntry, MappingEntry, RoleEntry } from '../../domain/access-document.js';
import type { AccessKind } from '../../domain/access-diff.js';
import { parseRoleArn } from '../../domain/arn.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessWrite } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { auditBatchParameters, INSERT_AUDIT_BATCH } from './audit-insert.js';

/** One SQL statement inside the transaction (Prisma's `$queryRawUnsafe`), rows back. */
export type Sql = (text: string, ...params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Rows per statement. Each statement takes its rows as one JSON parameter
 * (`json_to_recordset`), so a whole access file is a few dozen statements
 * rather than one round trip per object; slices keep each parameter well under
 * a MB, as Prisma prepares each statement's parameters on the event loop in one go.
 */
const ROWS_PER_STATEMENT = 1000;

const TABLE: Record<AccessKind, string> = {
  identityProvider: 'identity_providers',
  account: 'aws_accounts',
  role: 'roles',
  mapping: 'group_mappings',
};
/** How each table's id is compared with a JSON text (three are uuid; accounts are their 12-digit id). */
const ID: Record<AccessKind, string> = {
  identityProvider: 'x.id::uuid',
  account: 'x.id',
  role: 'x.id::uuid',
  mapping: 'x.id::uuid',
};

/**
 * Applies writes in the order given, set-based: each run of consecutive writes
 * of one kind and action is one statement per slice. A change or removal that
 * finds its object at another version (or gone) is precondition_failed; a
 * mapping naming a role or IdP that does not exist is a conflict.
 */
export async function applyWrites(sql: Sql, writes: readonly AccessWrite[]): Promise<void> {
  let start = 0;
  while (start < writes.length) {
    const first = writes[start] as AccessWrite;
    let end = start + 1;
    while (end < writes.length && end - start < ROWS_PER_STATEMENT) {
      const next = writes[end] as AccessWrite;
      if (next.kind !== first.kind || next.action !== first.action) break;
      end++;
    }
    const run = writes.slice(start, end);
    if (first.action === 'remove') await removeAll(sql, first.kind, run as Extract<AccessWrite, { action: 'remove' }>[]);
    else if (first.action === 'add') await addAll(sql, first.kind, run as Extract<AccessWrite, { action: 'add' }>[]);
    else await changeAll(sql, first.kind, run as Extract<AccessWrite, { action: 'change' }>[]);
    start = end;
  }
}

type Entry = Record<string, unknown>;

async function removeAll(sql: Sql, kind: AccessKind, writes: Extract<AccessWrite, { action: 'remove' }>[]): Promise<void> {
  const rows = await sql(
    `DELETE FROM ${TABLE[kind]} AS t USING json_to_recordset($1::json) AS x(id text, version int)
     WHERE t.id = ${ID[kind]} AND t.version = x.version RETURNING t.id::text AS id`,
    json(writes.map((w) => ({ id: w.id, version: w.version }))),
  );
  if (rows.length < writes.length) throw stale(kind, firstMissing(writes, rows));
}

async function addAll(sql: Sql, kind: AccessKind, writes: Extract<AccessWrite, { action: 'add' }>[]): Promise<void> {
  const data = writes.map((w) => columnsOf(kind, w.entry, w.id));
  if (kind === 'mapping') {
    const rows = await sql(
      `INSERT INTO group_mappings (id, idp_id, "group", match, role_id, require_mfa, mfa_max_age_seconds, max_session_seconds, allowed_cidrs, break_glass, access, approval,
                                   session_policy, session_policy_arns, session_policy_description, updated_at)
       SELECT x.id::uuid, i.id, x."group", x.match::"GroupMatch", r.id, x.require_mfa, x.mfa_max_age_seconds, x.max_session_seconds, x.allowed_cidrs, x.break_glass,
              x.access::"MappingAccess", x.approval, x.session_policy, coalesce(x.session_policy_arns, '{}'), x.session_policy_description, now()
       FROM json_to_recordset($1::json) AS x(${MAPPING_RECORD})
       JOIN roles r ON r.arn = x.role LEFT JOIN identity_providers i ON i.slug = x.idp
       WHERE x.idp IS NULL OR i.id IS NOT NULL RETURNING id`,
      json(data),
    );
    if (rows.length < data.length) await throwMissingReferences(sql, data);
    return;
  }
  const statement = {
    identityProvider: `INSERT INTO identity_providers (id, slug, display_name, kind, enabled, settings, groups_from, updated_at)
       SELECT x.id::uuid, x.slug, x.display_name, x.kind::"IdpKind", x.enabled, x.settings, x.groups_from, now()
       FROM json_to_recordset($1::json) AS x(id text, slug text, display_name text, kind text, enabled boolean, settings jsonb, groups_from text)`,
    account: `INSERT INTO aws_accounts (id, alias, partition, region, sts_endpoint, tags, owners, revoker_role_arn, revoker_external_id, updated_at)
       SELECT x.id, x.alias, x.partition::"Partition", x.region, x.sts_endpoint, x.tags, x.owners, x.revoker_role_arn, x.revoker_external_id, now()
       FROM json_to_recordset($1::json) AS x(id text, alias text, partition text, region text, sts_endpoint text, tags text[], owners text[], revoker_role_arn text, revoker_external_id text)`,
    role: `INSERT INTO roles (id, account_id, name, arn, exchange_mode, provider_arn, external_id, max_session_seconds, description, updated_at)
       SELECT x.id::uuid, x.account_id, x.name, x.arn, x.exchange_mode::"ExchangeMode", x.provider_arn, x.external_id, x.max_session_seconds, x.description, now()
       FROM json_to_recordset($1::json) AS x(${ROLE_RECORD})`,
  }[kind];
  await sql(statement, json(data));
}

async function changeAll(sql: Sql, kind: AccessKind, writes: Extract<AccessWrite, { action: 'change' }>[]): Promise<void> {
  const data = writes.map((w) => ({ ...columnsOf(kind, w.entry), id: w.id, version: w.version }));
  const from = `json_to_recordset($1::json) AS x`;
  const statement = {
    identityProvider: `UPDATE identity_providers AS t SET slug = x.slug, display_name = x.display_name, kind = x.kind::"IdpKind",
         enabled = x.enabled, settings = x.settings, groups_from = x.groups_from, version = t.version + 1, updated_at = now()
       FROM ${from}(id text, version int, slug text, display_name text, kind text, enabled boolean, settings jsonb, groups_from text)
       WHERE t.id = x.id::uuid AND t.version = x.version RETURNING t.id::text AS id`,
    account: `UPDATE aws_accounts AS t SET alias = x.alias, partition = x.partition::"Partition", region = x.region,
         sts_endpoint = x.sts_endpoint, tags = x.tags, owners = x.owners, revoker_role_arn = x.revoker_role_arn, revoker_external_id = x.revoker_external_id,
         version = t.version + 1, updated_at = now()
       FROM ${from}(id text, version int, alias text, partition text, region text, sts_endpoint text, tags text[], owners text[], revoker_role_arn text, revoker_external_id text)
       WHERE t.id = x.id AND t.version = x.version RETURNING t.id::text AS id`,
    role: `UPDATE roles AS t SET account_id = x.account_id, name = x.name, arn = x.arn, exchange_mode = x.exchange_mode::"ExchangeMode",
         provider_arn = x.provider_arn, external_id = x.external_id, max_session_seconds = x.max_session_seconds,
         description = x.description, version = t.version + 1, updated_at = now()
       FROM ${from}(version int, ${ROLE_RECORD})
       WHERE t.id = x.id::uuid AND t.version = x.version RETURNING t.id::text AS id`,
    mapping: `UPDATE group_mappings AS t SET idp_id = s.idp_id, "group" = s."group", match = s.match::"GroupMatch", role_id = s.role_id,
         require_mfa = s.require_mfa, mfa_max_age_seconds = s.mfa_max_age_seconds, max_session_seconds = s.max_session_seconds, allowed_cidrs = s.allowed_cidrs,
         break_glass = s.break_glass, access = s.access::"MappingAccess", approval = s.approval,
         session_policy = s.session_policy, session_policy_arns = coalesce(s.session_policy_arns, '{}'),
         session_policy_description = s.session_policy_description, version = t.version + 1, updated_at = now()
       FROM (SELECT x.*, r.id AS role_id, i.id AS idp_id FROM ${from}(version int, ${MAPPING_RECORD})
             JOIN roles r ON r.arn = x.role LEFT JOIN identity_providers i ON i.slug = x.idp
             WHERE x.idp IS NULL OR i.id IS NOT NULL) AS s
       WHERE t.id = s.id::uuid AND t.version = s.version RETURNING t.id::text AS id`,
  }[kind];
  const rows = await sql(statement, json(data));
  if (rows.length < writes.length) {
    if (kind === 'mapping') await throwMissingReferences(sql, data);
    throw stale(kind, firstMissing(writes, rows));
  }
}

const ROLE_RECORD =
  'id text, account_id text, name text, arn text, exchange_mode text, provider_arn text, external_id text, max_session_seconds int, description text';
const MAPPING_RECORD =
  'id text, idp text, "group" text, match text, role text, require_mfa boolean, mfa_max_age_seconds int, max_session_seconds int, allowed_cidrs text[], break_glass boolean, access text, approval jsonb, ' +
  'session_policy text, session_policy_arns text[], session_policy_description text';

/** Document fields → the columns of the JSON records above (ids of new objects made here, as Prisma's @default(uuid()) did). */
function columnsOf(kind: AccessKind, entry: Entry, id: string = randomUUID()): Record<string, unknown> {
  if (kind === 'identityProvider') {
    const e = entry as IdentityProviderEntry;
    return {
      id,
      slug: e.slug,
      display_name: e.displayName,
      kind: e.kind,
      enabled: e.enabled,
      settings: e.settings,
      groups_from: e.groupsFrom,
    };
  }
  if (kind === 'account') {
    const e = entry as AccountEntry;
    return {
      id: e.id,
      alias: e.alias,
      partition: e.partition,
      region: e.region,
      sts_endpoint: e.stsEndpoint ?? null,
      tags: e.tags ?? [],
      owners: e.owners ?? [],
      revoker_role_arn: e.revoker?.roleArn ?? null,
      revoker_external_id: e.revoker?.externalId ?? null,
    };
  }
  if (kind === 'role') {
    const e = entry as RoleEntry;
    const arn = parseRoleArn(e.arn);
    if (!arn.ok) throw new RolegateError('invalid_request', { detail: arn.error });
    return {
      id,
      account_id: arn.value.accountId,
      name: arn.value.name,
      arn: e.arn,
      exchange_mode: e.mode,
      provider_arn: e.providerArn ?? null,
      external_id: e.externalId ?? null,
      max_session_seconds: e.maxSessionSeconds,
      description: e.description,
    };
  }
  const e = entry as MappingEntry;
  return {
    id,
    idp: e.idp ?? null,
    group: e.group,
    match: e.match,
    role: e.role,
    require_mfa: e.requireMfa,
    mfa_max_age_seconds: e.mfaMaxAgeSeconds ?? null,
    max_session_seconds: e.maxSessionSeconds ?? null,
    allowed_cidrs: e.allowedCidrs,
    break_glass: e.breakGlass,
    // Entries built in code (not parsed from a file) may leave these out: standing, no policy.
    access: (e as Partial<MappingEntry>).access ?? 'standing',
    approval: e.approval ?? null,
    session_policy: e.sessionPolicy ?? null,
    session_policy_arns: e.sessionPolicyArns ?? [],
    session_policy_description: e.sessionPolicyDescription ?? null,
  };
}

/** The reference a mapping names that does not exist, as the conflict the caller can act on. */
async function throwMissingReferences(sql: Sql, data: Record<string, unknown>[]): Promise<void> {
  const arns = [...new Set(data.map((d) => String(d.role)))];
  const slugs = [...new Set(data.flatMap((d) => (typeof d.idp === 'string' ? [d.idp] : [])))];
  const found = await sql(
    `SELECT arn AS name, 'role' AS kind FROM roles WHERE arn = ANY($1::text[])
     UNION ALL SELECT slug AS name, 'idp' AS kind FROM identity_providers WHERE slug = ANY($2::text[])`,
    arns,
    slugs,
  );
  const known = new Set(found.map((row) => `${String(row.kind)} ${String(row.name)}`));
  const role = arns.find((arn) => !known.has(`role ${arn}`));
  if (role !== undefined) throw new RolegateError('conflict', { detail: `no role ${role}: create the role first` });
  const idp = slugs.find((slug) => !known.has(`idp ${slug}`));
  if (idp !== undefined) throw new RolegateError('conflict', { detail: `no identity provider ${idp}` });
}

function firstMissing(writes: readonly { id: string }[], rows: readonly Record<string, unknown>[]): string {
  const done = new Set(rows.map((row) => String(row.id)));
  return writes.find((w) => !done.has(w.id))?.id ?? '?';
}

function stale(kind: string, id: string): RolegateError {
  return new RolegateError('precondition_failed', {
    detail: `The ${kind} ${id} was changed or deleted since it was read; read it again and retry`,
  });
}

/** The audit events of the change, as audit_events rows, a slice per statement (same transaction). */
export async function insertAuditEvents(sql: Sql, events: readonly AuditEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
    await sql(INSERT_AUDIT_BATCH, ...auditBatchParameters(events.slice(start, start + ROWS_PER_STATEMENT)));
  }
}

/**
 * The rows of an access write as one JSON parameter. PostgreSQL text cannot
 * hold NUL (JSON `\u0000`): such a value is refused rather than stored as
 * something else (which every later plan would show as a change).
 */
function json(value: unknown): string {
  const text = JSON.stringify(value);
  // JSON.stringify writes NUL as \u0000 and a backslash as \\: an escape preceded by an even run of backslashes is a NUL.
  if (text.includes('\\u0000') && NUL.test(text))
    throw new RolegateError('invalid_request', { detail: 'A value holds a NUL character (\\0), which cannot be stored' });
  return text;
}

const NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;
