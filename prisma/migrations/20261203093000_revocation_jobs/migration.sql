-- Revocation that reaches AWS (docs/admin.md#revocation-that-reaches-aws): an account may name a
-- revoker role; each affected role gets one durable job that attaches (and later removes) one
-- rolegate-named inline Deny policy, merging every revocation of that role still in its window.

-- AlterTable
ALTER TABLE "aws_accounts" ADD COLUMN "revoker_role_arn" TEXT, ADD COLUMN "revoker_external_id" TEXT;

-- CreateTable
CREATE TABLE "revocation_jobs" (
    "id" UUID NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "role_arn" TEXT NOT NULL,
    "entries" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "broadened" BOOLEAN NOT NULL DEFAULT false,
    "attached_at" TIMESTAMPTZ(3),
    "removed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "revocation_jobs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "revocation_jobs_state_check" CHECK ("state" IN ('pending', 'attached', 'removed', 'failed'))
);

-- CreateIndex
CREATE UNIQUE INDEX "revocation_jobs_role_arn_key" ON "revocation_jobs"("role_arn");

-- CreateIndex
CREATE INDEX "revocation_jobs_next_attempt_at_idx" ON "revocation_jobs"("next_attempt_at");
