-- Just-in-time access (docs/just-in-time.md): eligible mappings, requests and grants.

-- CreateEnum
CREATE TYPE "MappingAccess" AS ENUM ('standing', 'eligible');

-- AlterTable
ALTER TABLE "group_mappings" ADD COLUMN "access" "MappingAccess" NOT NULL DEFAULT 'standing',
ADD COLUMN "approval" JSONB;

-- CreateTable
CREATE TABLE "access_requests" (
    "id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "principal_id" TEXT NOT NULL,
    "idp" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "account_id" TEXT NOT NULL,
    "role_id" UUID NOT NULL,
    "role_arn" TEXT NOT NULL,
    "mapping_id" UUID NOT NULL,
    "policy" JSONB NOT NULL,
    "duration_seconds" INTEGER NOT NULL,
    "reason" TEXT,
    "ticket" TEXT,
    "auto_approved" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "starts_at" TIMESTAMPTZ(3),
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "decision_comment" TEXT,
    "activated_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "ended_by" TEXT,
    "end_reason" TEXT,

    CONSTRAINT "access_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "access_requests_state_check" CHECK ("state" IN ('pending', 'approved', 'denied', 'cancelled', 'expired_unanswered', 'active', 'expired', 'revoked'))
);

-- CreateTable
CREATE TABLE "access_request_approvals" (
    "request_id" UUID NOT NULL,
    "approver_id" TEXT NOT NULL,
    "comment" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "access_request_approvals_pkey" PRIMARY KEY ("request_id","approver_id")
);

-- CreateIndex
CREATE INDEX "access_requests_principal_id_created_at_idx" ON "access_requests"("principal_id", "created_at");

-- CreateIndex
CREATE INDEX "access_requests_state_ends_at_idx" ON "access_requests"("state", "ends_at");

-- CreateIndex
CREATE INDEX "access_requests_state_expires_at_idx" ON "access_requests"("state", "expires_at");

-- AddForeignKey
ALTER TABLE "access_request_approvals" ADD CONSTRAINT "access_request_approvals_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;
