-- Audit-log filters (docs/admin.md#audit-log): every filter of GET /api/v1/admin/audit and the
-- /admin/audit page reads an index made for it, newest first (at, id), as the ones of
-- 20261202000000_audit_partitions do for user, role and time. Built on every monthly partition
-- (writes to the trail wait while they are built: docs/operations.md#audit-trail-at-scale).

-- By account.
CREATE INDEX "audit_events_account_at_id_idx" ON "audit_events" ("account_id", "at", "id");

-- By event type: exact (`type = …`) or a prefix ending in '.' (`type LIKE 'admin.%'`), which a
-- text_pattern_ops index answers whatever the database's collation.
-- https://www.postgresql.org/docs/current/indexes-opclass.html
CREATE INDEX "audit_events_type_at_id_idx" ON "audit_events" ("type" text_pattern_ops, "at", "id");

-- Denials and errors (a small share of the trail): `outcome = 'denied'` alone reads only them.
CREATE INDEX "audit_events_refusals_idx" ON "audit_events" ("outcome", "at", "id") WHERE "outcome" <> 'success';

-- Reviews waiting for an owner (the portal's /portal/reviews): the undecided entries whose
-- account names one of the caller's groups among its owners (`owners && $groups`).
CREATE INDEX "access_review_entries_waiting_idx" ON "access_review_entries" USING gin ("owners") WHERE "decision" IS NULL;

-- The usage report's daily roll-up (docs/admin.md#the-daily-roll-up): the uses of each complete
-- UTC day, grouped as the report groups them, so a report of the whole model reads a row per day,
-- user, role, groups and surface instead of every use. Kept by src/adapters/db/pg-usage-query.ts
-- (rollUp): one day per transaction, idempotent, after `rolled_until` (the first day not rolled
-- up); the single row of audit_usage_rollup is taken FOR UPDATE SKIP LOCKED, so of several
-- instances one rolls up at a time. Days whose audit rows retention removed are removed too.
CREATE TABLE "audit_usage_days" (
    "day" TIMESTAMPTZ(3) NOT NULL,
    "role_arn" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "groups" TEXT[] NOT NULL,
    "client" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "issued" INTEGER NOT NULL,
    "consoles" INTEGER NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_usage_days_pkey" PRIMARY KEY ("day", "role_arn", "subject", "client", "groups"),
    CONSTRAINT "audit_usage_days_client_check" CHECK ("client" IN ('cli', 'portal', 'api'))
);
-- A scoped report (an account's or a role's roles) by role, then day.
CREATE INDEX "audit_usage_days_role_day_idx" ON "audit_usage_days" ("role_arn", "day");

CREATE TABLE "audit_usage_rollup" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "rolled_until" TIMESTAMPTZ(3),
    "rolled_at" TIMESTAMPTZ(3),

    CONSTRAINT "audit_usage_rollup_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_usage_rollup_one_row" CHECK ("id" = 1)
);
INSERT INTO "audit_usage_rollup" ("id") VALUES (1);
