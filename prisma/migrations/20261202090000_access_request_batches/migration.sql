-- Requests made together for several (account, role) pairs share a batch id (docs/just-in-time.md).

-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN "batch_id" UUID;

-- CreateIndex
CREATE INDEX "access_requests_batch_id_idx" ON "access_requests"("batch_id");
