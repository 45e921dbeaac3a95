-- PostgreSQL: the whole schema of prisma/schema.prisma (generated: prisma migrate diff --from-empty --to-schema-datamodel prisma/postgresql/schema.prisma --script).
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Intake" (
    "id" TEXT NOT NULL,
    "referenceHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "queue" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "topic" TEXT,
    "language" TEXT NOT NULL,
    "callerGender" TEXT NOT NULL,
    "timeWindow" TEXT NOT NULL,
    "cover" TEXT NOT NULL,
    "sessionHash" TEXT NOT NULL,
    "contactDestroyedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "claimedById" TEXT,
    "claimedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastOutcome" TEXT,
    "firstCallAt" TIMESTAMP(3),
    "closeReason" TEXT,
    "handedOffAt" TIMESTAMP(3),

    CONSTRAINT "Intake_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OpenContact" (
    "intakeId" TEXT NOT NULL,
    "sealedContact" TEXT NOT NULL,
    "contactNonce" TEXT NOT NULL,
    "contactKeyId" TEXT NOT NULL,
    "requesterHash" TEXT NOT NULL,
    "contactHash" TEXT NOT NULL,

    CONSTRAINT "OpenContact_pkey" PRIMARY KEY ("intakeId")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "intakeId" TEXT,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attempt" (
    "id" SERIAL NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Region" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Service" (
    "id" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "regionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "landmark" TEXT NOT NULL,
    "hours" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "free" BOOLEAN NOT NULL,
    "confidential" BOOLEAN NOT NULL,
    "childFriendly" BOOLEAN NOT NULL DEFAULT false,
    "womenStaff" BOOLEAN NOT NULL DEFAULT false,
    "languages" TEXT NOT NULL DEFAULT 'fr',
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "verifiedAt" TIMESTAMP(3) NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Staff" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "queues" TEXT NOT NULL,
    "languages" TEXT NOT NULL,
    "gender" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "passwordHash" TEXT,
    "tokenHash" TEXT NOT NULL,
    "telegramIdHash" TEXT,
    "linkCodeHash" TEXT,
    "linkCodeExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Handoff" (
    "id" TEXT NOT NULL,
    "intakeId" TEXT NOT NULL,
    "adapter" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "Handoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "sealedRecipient" TEXT NOT NULL,
    "recipientNonce" TEXT NOT NULL,
    "sealedBody" TEXT NOT NULL,
    "bodyNonce" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliveryStat" (
    "day" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "DeliveryStat_pkey" PRIMARY KEY ("day","channel","status")
);

-- CreateIndex
CREATE UNIQUE INDEX "Intake_referenceHash_key" ON "Intake"("referenceHash");

-- CreateIndex
CREATE UNIQUE INDEX "Intake_label_key" ON "Intake"("label");

-- CreateIndex
CREATE UNIQUE INDEX "Intake_sessionHash_key" ON "Intake"("sessionHash");

-- CreateIndex
CREATE INDEX "Intake_status_queue_idx" ON "Intake"("status", "queue");

-- CreateIndex
CREATE INDEX "Intake_status_expiresAt_idx" ON "Intake"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "Intake_claimedById_status_idx" ON "Intake"("claimedById", "status");

-- CreateIndex
CREATE INDEX "OpenContact_requesterHash_idx" ON "OpenContact"("requesterHash");

-- CreateIndex
CREATE INDEX "OpenContact_contactHash_idx" ON "OpenContact"("contactHash");

-- CreateIndex
CREATE INDEX "AuditEvent_intakeId_idx" ON "AuditEvent"("intakeId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "Attempt_scope_at_idx" ON "Attempt"("scope", "at");

-- CreateIndex
CREATE INDEX "Attempt_scope_key_at_idx" ON "Attempt"("scope", "key", "at");

-- CreateIndex
CREATE INDEX "Service_category_regionId_idx" ON "Service"("category", "regionId");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_tokenHash_key" ON "Staff"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_telegramIdHash_key" ON "Staff"("telegramIdHash");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_linkCodeHash_key" ON "Staff"("linkCodeHash");

-- CreateIndex
CREATE INDEX "StaffSession_staffId_idx" ON "StaffSession"("staffId");

-- CreateIndex
CREATE INDEX "StaffSession_expiresAt_idx" ON "StaffSession"("expiresAt");

-- CreateIndex
CREATE INDEX "Handoff_status_nextAttemptAt_idx" ON "Handoff"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_nextAttemptAt_idx" ON "OutboxMessage"("nextAttemptAt");

-- AddForeignKey
ALTER TABLE "Intake" ADD CONSTRAINT "Intake_claimedById_fkey" FOREIGN KEY ("claimedById") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OpenContact" ADD CONSTRAINT "OpenContact_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Service" ADD CONSTRAINT "Service_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffSession" ADD CONSTRAINT "StaffSession_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Planner statistics copy column values into pg_statistic (most common values, histogram
-- bounds). No column holding a sealed value, a keyed hash or a secret's hash is sampled:
-- a destroyed number's ciphertext or hash must not survive there.
ALTER TABLE "OpenContact" ALTER COLUMN "sealedContact" SET STATISTICS 0, ALTER COLUMN "contactNonce" SET STATISTICS 0, ALTER COLUMN "requesterHash" SET STATISTICS 0, ALTER COLUMN "contactHash" SET STATISTICS 0;
ALTER TABLE "OutboxMessage" ALTER COLUMN "sealedRecipient" SET STATISTICS 0, ALTER COLUMN "recipientNonce" SET STATISTICS 0, ALTER COLUMN "sealedBody" SET STATISTICS 0, ALTER COLUMN "bodyNonce" SET STATISTICS 0;
ALTER TABLE "Intake" ALTER COLUMN "referenceHash" SET STATISTICS 0, ALTER COLUMN "sessionHash" SET STATISTICS 0;
ALTER TABLE "Attempt" ALTER COLUMN "key" SET STATISTICS 0;
ALTER TABLE "Staff" ALTER COLUMN "passwordHash" SET STATISTICS 0, ALTER COLUMN "tokenHash" SET STATISTICS 0, ALTER COLUMN "telegramIdHash" SET STATISTICS 0, ALTER COLUMN "linkCodeHash" SET STATISTICS 0;
ALTER TABLE "StaffSession" ALTER COLUMN "id" SET STATISTICS 0, ALTER COLUMN "csrfToken" SET STATISTICS 0;
