-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "IdpKind" AS ENUM ('oidc', 'saml');

-- CreateEnum
CREATE TYPE "Partition" AS ENUM ('aws', 'aws-us-gov', 'aws-cn');

-- CreateEnum
CREATE TYPE "ExchangeMode" AS ENUM ('saml', 'web-identity', 'assume-role');

-- CreateEnum
CREATE TYPE "GroupMatch" AS ENUM ('exact', 'glob');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('success', 'denied', 'error');

-- CreateEnum
CREATE TYPE "CliTokenKind" AS ENUM ('access', 'refresh');

-- CreateTable
CREATE TABLE "identity_providers" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "kind" "IdpKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "groups_from" TEXT NOT NULL DEFAULT 'groups',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "identity_providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "aws_accounts" (
    "id" VARCHAR(12) NOT NULL,
    "alias" TEXT NOT NULL,
    "partition" "Partition" NOT NULL DEFAULT 'aws',
    "region" TEXT NOT NULL DEFAULT 'us-east-1',
    "sts_endpoint" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "aws_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "roles" (
    "id" UUID NOT NULL,
    "account_id" VARCHAR(12) NOT NULL,
    "name" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "exchange_mode" "ExchangeMode" NOT NULL DEFAULT 'saml',
    "provider_arn" TEXT,
    "max_session_seconds" INTEGER NOT NULL DEFAULT 3600,
    "description" TEXT NOT NULL DEFAULT '',
    "external_id" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "group_mappings" (
    "id" UUID NOT NULL,
    "idp_id" UUID,
    "group" TEXT NOT NULL,
    "match" "GroupMatch" NOT NULL DEFAULT 'exact',
    "role_id" UUID NOT NULL,
    "require_mfa" BOOLEAN NOT NULL DEFAULT false,
    "max_session_seconds" INTEGER,
    "allowed_cidrs" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "group_mappings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
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
    "details" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cli_clients" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cli_clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cli_tokens" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "kind" "CliTokenKind" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "family_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "idp" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "cli_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "identity_providers_slug_key" ON "identity_providers"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "aws_accounts_alias_key" ON "aws_accounts"("alias");

-- CreateIndex
CREATE UNIQUE INDEX "roles_arn_key" ON "roles"("arn");

-- CreateIndex
CREATE UNIQUE INDEX "roles_account_id_name_key" ON "roles"("account_id", "name");

-- CreateIndex
CREATE INDEX "group_mappings_group_idx" ON "group_mappings"("group");

-- CreateIndex
CREATE INDEX "group_mappings_role_id_idx" ON "group_mappings"("role_id");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_subject_at_idx" ON "audit_events"("subject", "at");

-- CreateIndex
CREATE INDEX "audit_events_role_arn_at_idx" ON "audit_events"("role_arn", "at");

-- CreateIndex
CREATE UNIQUE INDEX "cli_tokens_token_hash_key" ON "cli_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "cli_tokens_subject_idx" ON "cli_tokens"("subject");

-- CreateIndex
CREATE INDEX "cli_tokens_family_id_idx" ON "cli_tokens"("family_id");

-- AddForeignKey
ALTER TABLE "roles" ADD CONSTRAINT "roles_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "aws_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_mappings" ADD CONSTRAINT "group_mappings_idp_id_fkey" FOREIGN KEY ("idp_id") REFERENCES "identity_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_mappings" ADD CONSTRAINT "group_mappings_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cli_tokens" ADD CONSTRAINT "cli_tokens_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "cli_clients"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Audit events are append-only: the database itself refuses to rewrite history.
-- The body's semicolon is written as \x3B because Prisma's pg driver adapter
-- splits migration scripts on every semicolon, even inside literals.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN RAISE EXCEPTION ''audit_events is append-only''\x3B END';

CREATE TRIGGER "audit_events_no_update" BEFORE UPDATE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();
