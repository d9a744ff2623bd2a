-- Access reviews from real use (docs/admin.md#access-reviews): two partial indexes on the audit
-- trail for the usage report, account owners, and review campaigns with their entries.

-- Uses of a role (credentials issued, console URLs issued), by role ARN then time; the columns the
-- report groups on are included so the report is an index-only scan of the window per role.
CREATE INDEX "audit_events_usage_idx" ON "audit_events" ("role_arn", "at")
  INCLUDE ("subject", "type", "user_agent", "groups")
  WHERE "outcome" = 'success' AND "type" IN ('credentials.issue', 'console.url_issued');

-- Sign-ins by user then time: who holds a role (their groups at their latest sign-in).
CREATE INDEX "audit_events_logins_idx" ON "audit_events" ("subject", "at")
  INCLUDE ("groups")
  WHERE "outcome" = 'success' AND "type" = 'login';

-- Who reviews an account's access (access file: accounts[].owners).
ALTER TABLE "aws_accounts" ADD COLUMN "owners" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

CREATE TABLE "access_reviews" (
    "id" UUID NOT NULL,
    "scope_kind" TEXT NOT NULL,
    "scope_value" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'open',
    "since_days" INTEGER NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "opened_by" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "closed_by" TEXT,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "access_reviews_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "access_reviews_scope_kind_check" CHECK ("scope_kind" IN ('account', 'role', 'group')),
    CONSTRAINT "access_reviews_state_check" CHECK ("state" IN ('open', 'closed'))
);

CREATE INDEX "access_reviews_opened_at_idx" ON "access_reviews" ("opened_at");

CREATE TABLE "access_review_entries" (
    "review_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "principal_id" TEXT,
    "group" TEXT NOT NULL,
    "mapping_key" TEXT NOT NULL,
    "mapping" JSONB NOT NULL,
    "account_id" TEXT NOT NULL,
    "role_arn" TEXT NOT NULL,
    "owners" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "uses" INTEGER NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),
    "surfaces" JSONB NOT NULL,
    "decision" TEXT,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "comment" TEXT,

    CONSTRAINT "access_review_entries_pkey" PRIMARY KEY ("review_id", "position"),
    CONSTRAINT "access_review_entries_kind_check" CHECK ("kind" IN ('mapping', 'user')),
    CONSTRAINT "access_review_entries_decision_check" CHECK ("decision" IN ('confirm', 'remove')),
    CONSTRAINT "access_review_entries_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "access_reviews"("id") ON DELETE CASCADE
);
