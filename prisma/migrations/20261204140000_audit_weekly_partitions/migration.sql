-- The audit trail from monthly to weekly partitions (UTC weeks, Monday to Monday), so that the
-- partition every insert goes to stays small: its heap pages with free space (which inserts
-- fill first) and its indexes then stay in PostgreSQL's buffers. docs/operations.md (Audit trail
-- at scale) has the figures. https://www.postgresql.org/docs/current/ddl-partitioning.html
--
-- Past months keep their monthly partitions (retention drops them as whole months, as before).
-- The partitions that end after now (this month's and the months made ahead) are replaced: their
-- rows, and the default partition's rows of that stretch, are copied into a partition from the
-- month's first day (or this week's, if no month kept covers it) to the next Monday, then one per
-- week up to four weeks ahead (rolegate makes the later ones itself). Ids, columns and indexes do not change. Each new
-- partition is filled as a plain table and then attached (its indexes built by sort). Writes to
-- the trail wait for the whole migration, reads only for its last step (the attaches); it copies
-- this month's rows only (docs/operations.md says how long that takes).
-- On a table that is not partitioned (never the case after 20261202000000), nothing happens.
-- Semicolons inside the DO body are written as \x3B because Prisma's pg driver adapter splits
-- migration scripts on every semicolon, even inside literals.

DO E'
DECLARE
  this_week timestamp := date_trunc(''week'', now() AT TIME ZONE ''UTC'')\x3B
  first timestamp\x3B
  latest timestamp\x3B
  last timestamp\x3B
  week timestamp\x3B
  next_week timestamp\x3B
  replaced text[] := ARRAY[]::text[]\x3B
  weeks text[] := ARRAY[]::text[]\x3B
  bounds text[] := ARRAY[]::text[]\x3B
  name text\x3B
  n int\x3B
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass(''audit_events'')) IS DISTINCT FROM ''p'' THEN
    RETURN\x3B
  END IF\x3B
  LOCK TABLE "audit_events" IN SHARE ROW EXCLUSIVE MODE\x3B
  SELECT array_agg(c.relname ORDER BY c.relname) FILTER (WHERE m.month + interval ''1 month'' > now() AT TIME ZONE ''UTC''),
         min(m.month) FILTER (WHERE m.month + interval ''1 month'' > now() AT TIME ZONE ''UTC''),
         max(m.month + interval ''1 month'') FILTER (WHERE m.month + interval ''1 month'' <= now() AT TIME ZONE ''UTC'')
    INTO replaced, first, latest
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
         LATERAL (SELECT to_date(substr(c.relname, 15), ''YYYY"m"MM'')::timestamp AS month) AS m
   WHERE i.inhparent = ''audit_events''::regclass AND c.relname ~ ''^audit_events_y[0-9]{4}m[0-9]{2}$''\x3B
  -- From the start of this week if no month kept covers it (a new installation, or rolegate
  -- stopped for longer than its months ahead), else from the end of the latest month kept.
  first := least(first, greatest(this_week, latest))\x3B
  last := this_week + interval ''5 weeks''\x3B
  week := first\x3B
  WHILE week < last LOOP
    next_week := date_trunc(''week'', week) + interval ''1 week''\x3B
    name := ''audit_events_w'' || to_char(week, ''YYYYMMDD'')\x3B
    EXECUTE format(''CREATE TABLE %I (LIKE "audit_events" INCLUDING DEFAULTS)'', name)\x3B
    EXECUTE format(''INSERT INTO %I SELECT * FROM "audit_events" WHERE "at" >= %L AND "at" < %L'', name,
      (week AT TIME ZONE ''UTC'')::text, (next_week AT TIME ZONE ''UTC'')::text)\x3B
    weeks := weeks || name\x3B
    bounds := bounds || format(''FROM (%L) TO (%L)'', (week AT TIME ZONE ''UTC'')::text, (next_week AT TIME ZONE ''UTC'')::text)\x3B
    week := next_week\x3B
  END LOOP\x3B
  IF to_regclass(''audit_events_default'') IS NOT NULL THEN
    DELETE FROM "audit_events_default" WHERE "at" >= first AT TIME ZONE ''UTC'' AND "at" < last AT TIME ZONE ''UTC''\x3B
  END IF\x3B
  FOREACH name IN ARRAY coalesce(replaced, ARRAY[]::text[]) LOOP
    EXECUTE format(''ALTER TABLE "audit_events" DETACH PARTITION %I'', name)\x3B
    -- Rows dated past the weeks made here (a clock far ahead) go to the default partition, as with no month for them.
    EXECUTE format(''INSERT INTO "audit_events" SELECT * FROM %I WHERE "at" >= %L'', name, (last AT TIME ZONE ''UTC'')::text)\x3B
    EXECUTE format(''DROP TABLE %I'', name)\x3B
  END LOOP\x3B
  FOR n IN 1 .. coalesce(array_length(weeks, 1), 0) LOOP
    EXECUTE format(''ALTER TABLE "audit_events" ATTACH PARTITION %I FOR VALUES %s'', weeks[n], bounds[n])\x3B
  END LOOP\x3B
END';
