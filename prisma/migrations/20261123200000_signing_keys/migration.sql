-- CreateEnum
CREATE TYPE "SigningKeyPurpose" AS ENUM ('saml', 'jwt');

-- CreateEnum
CREATE TYPE "SigningKeySlot" AS ENUM ('next', 'active');

-- CreateTable
CREATE TABLE "signing_keys" (
    "id" UUID NOT NULL,
    "kid" TEXT NOT NULL,
    "purpose" "SigningKeyPurpose" NOT NULL,
    "slot" "SigningKeySlot",
    "certificate_pem" TEXT NOT NULL,
    "sealed_private_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    "unpublish_after" TIMESTAMPTZ(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_kid_key" ON "signing_keys"("kid");

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_purpose_slot_key" ON "signing_keys"("purpose", "slot");

