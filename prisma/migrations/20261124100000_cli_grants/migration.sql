-- AlterTable
ALTER TABLE "cli_tokens" ADD COLUMN     "replaced_by_id" UUID,
ADD COLUMN     "rotated_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "cli_grants" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "principal_id" TEXT NOT NULL,
    "idp" TEXT NOT NULL,
    "principal" JSONB NOT NULL,
    "device_name" TEXT NOT NULL,
    "flow" TEXT NOT NULL,
    "login_session_id" TEXT NOT NULL,
    "source_ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" TEXT,

    CONSTRAINT "cli_grants_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cli_grants_principal_id_idx" ON "cli_grants"("principal_id");

-- AddForeignKey
ALTER TABLE "cli_grants" ADD CONSTRAINT "cli_grants_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "cli_clients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cli_tokens" ADD CONSTRAINT "cli_tokens_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "cli_grants"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The rolegate CLI: a public client of rolegate's own authorization server.
INSERT INTO "cli_clients" ("id", "name") VALUES ('rolegate-cli', 'rolegate CLI') ON CONFLICT ("id") DO NOTHING;
