-- The audit trail, partitioned by month of `at` (PostgreSQL declarative partitioning):
-- retention drops a month's partition instead of deleting its rows, and every
-- query's index matches its filter and its order (newest first: at, then id).
-- https://www.postgresql.org/docs/current/ddl-partitioning.html
--
-- The existing rows are copied into the partitions. Writes to the trail wait
-- for the whole migration (reads go on until the final swap); see
-- docs/operations.md (Audit trail) for how long that is per million rows.
-- Semicolons inside the DO body are written as \x3B because Prisma's pg driver
-- adapter splits migration scripts on every semicolon, even inside literals.

LOCK TABLE "audit_events" IN EXCLUSIVE MODE;

CREATE TABLE "audit_events_partitioned" (
    "id" BIGINT NOT NULL DEFAULT nextval('audit_events_id_seq'),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "outcome" "AuditOutcome" NOT NULL,
    "reason" TEXT,
    "subject" TEXT,
    "idp" TEXT,
    "groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "account_id" TEXT,
    "role_arn" TEXT,
    "mode" TEXT,
    "duration_seconds" INTEGER,
    "source_ip" TEXT,
    "user_agent" TEXT,
    "request_id" TEXT,
    "details" JSONB
) PARTITION BY RANGE ("at");

-- Rows whose month has no partition (none is created ahead of time while
-- rolegate is stopped for months, or a clock far off) land here: an insert
-- never fails for want of a partition. rolegate moves them into their month's
-- partition when it creates it.
CREATE TABLE "audit_events_default" PARTITION OF "audit_events_partitioned" DEFAULT;

-- One partition per month (UTC) that has rows, and this month and the next three.
DO E'
DECLARE
  month timestamp\x3B
BEGIN
  FOR month IN
    WITH RECURSIVE months(m) AS (
      SELECT date_trunc(''month'', min("at") AT TIME ZONE ''UTC'') FROM "audit_events"
      UNION ALL
      SELECT (SELECT date_trunc(''month'', min("at") AT TIME ZONE ''UTC'') FROM "audit_events"
               WHERE "at" >= (months.m + interval ''1 month'') AT TIME ZONE ''UTC'')
        FROM months WHERE months.m IS NOT NULL
    )
    SELECT m FROM months WHERE m IS NOT NULL
    UNION
    SELECT date_trunc(''month'', now() AT TIME ZONE ''UTC'') + make_interval(months => ahead) FROM generate_series(0, 3) AS ahead
  LOOP
    EXECUTE format(
      ''CREATE TABLE %I PARTITION OF "audit_events_partitioned" FOR VALUES FROM (%L) TO (%L)'',
      ''audit_events_y'' || to_char(month, ''YYYY'') || ''m'' || to_char(month, ''MM''),
      (month AT TIME ZONE ''UTC'')::text,
      ((month + interval ''1 month'') AT TIME ZONE ''UTC'')::text
    )\x3B
  END LOOP\x3B
END';

INSERT INTO "audit_events_partitioned"
  ("id", "at", "type", "outcome", "reason", "subject", "idp", "groups", "account_id", "role_arn", "mode",
   "duration_seconds", "source_ip", "user_agent", "request_id", "details")
SELECT "id", "at", "type", "outcome", "reason", "subject", "idp", "groups", "account_id", "role_arn", "mode",
       "duration_seconds", "source_ip", "user_agent", "request_id", "details"
  FROM "audit_events";

-- Built after the copy (one sort per index and partition, not row by row).
-- The primary key must include the partition key; ids still come from one sequence.
ALTER TABLE "audit_events_partitioned" ADD CONSTRAINT "audit_events_partitioned_pkey" PRIMARY KEY ("id", "at");
-- Time window, and everything newest first.
CREATE INDEX "audit_events_at_id_idx" ON "audit_events_partitioned" ("at", "id");
-- By user.
CREATE INDEX "audit_events_subject_at_id_idx" ON "audit_events_partitioned" ("subject", "at", "id");
-- By role ARN.
CREATE INDEX "audit_events_role_arn_at_id_idx" ON "audit_events_partitioned" ("role_arn", "at", "id");
-- By role name: the last path segment of the ARN (arn:aws:iam::111122223333:role/path/Name → Name).
CREATE INDEX "audit_events_role_name_at_id_idx" ON "audit_events_partitioned" ((split_part("role_arn", '/', -1)), "at", "id");

CREATE TRIGGER "audit_events_no_update" BEFORE UPDATE ON "audit_events_partitioned"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();

-- The swap: the old table goes, with its indexes and trigger; its sequence stays, now the new table's.
ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events_partitioned"."id";
DROP TABLE "audit_events";
ALTER TABLE "audit_events_partitioned" RENAME TO "audit_events";
ALTER TABLE "audit_events" RENAME CONSTRAINT "audit_events_partitioned_pkey" TO "audit_events_pkey";
