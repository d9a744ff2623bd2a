-- Notifications (docs/just-in-time.md#notifications): the transactional outbox of webhook deliveries.
-- A row is written in the same transaction as the state change it tells of; the dispatcher claims
-- due rows with FOR UPDATE SKIP LOCKED and moves them to delivered, or to dead after N attempts.

-- CreateTable
CREATE TABLE "notification_outbox" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "target" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_outbox_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_outbox_state_check" CHECK ("state" IN ('pending', 'delivered', 'dead'))
);

-- CreateIndex
CREATE UNIQUE INDEX "notification_outbox_event_id_target_key" ON "notification_outbox"("event_id", "target");

-- CreateIndex
CREATE INDEX "notification_outbox_state_next_attempt_at_idx" ON "notification_outbox"("state", "next_attempt_at");
