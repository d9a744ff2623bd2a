-- Session policies per mapping (docs/access-as-code.md#session-policies): sent to STS as Policy / PolicyArns.
ALTER TABLE "group_mappings"
  ADD COLUMN "session_policy" TEXT,
  ADD COLUMN "session_policy_arns" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN "session_policy_description" TEXT;
